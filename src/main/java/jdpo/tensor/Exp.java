package jdpo.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code e^x} in float, written out so that a vector of lanes and a single number give the same
 * bits: the softmax of attention takes some 300 million exponentials in a 1024-token step, and
 * {@link Math#exp} has no vector twin with its bits.
 *
 * <p>The method is the textbook one: {@code x = n ln 2 + r} with {@code n} the nearest integer to
 * {@code x / ln 2} and {@code |r| <= ln 2 / 2}, then {@code e^x = 2^n e^r}, {@code e^r} by its
 * Taylor series to {@code r^7 / 7!} (the first term left out is below {@code 6e-9} relative, under
 * half a float ulp), {@code 2^n} by writing {@code n} into a float's exponent bits. Every step is
 * one multiply-add or one add, in the same order in {@link #of} and {@link #shifted}, so the two
 * agree bit for bit. Below {@value #LOWEST} the result would be a subnormal float; it is 0 instead.
 * Meant for {@code x <= 0} (a softmax's logits less their maximum); above 88 it is undefined.
 */
public final class Exp {
    private Exp() {}

    /** Below this, {@code e^x < 2^-126} (the smallest normal float): the result is 0. */
    static final float LOWEST = -87.3f;
    private static final float LOG2E = 1.44269504f;
    /** ln 2 split in two: {@code n * LN2_HI} is exact for the n that occur, the rest is in LN2_LO. */
    private static final float LN2_HI = 0.693145752f, LN2_LO = 1.42860677e-6f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer (to nearest, even). */
    private static final float ROUND = 12582912f;
    /** ROUND's bits: a float near it holds {@code ROUND + n} as {@code ROUND_BITS + n}. */
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** 1/k! for k = 7 down to 2: Horner's order. */
    private static final float C7 = 1f / 5040, C6 = 1f / 720, C5 = 1f / 120, C4 = 1f / 24, C3 = 1f / 6, C2 = 0.5f;

    private static final FloatVector C7V = bc(C7), C6V = bc(C6), C5V = bc(C5), C4V = bc(C4), C3V = bc(C3), C2V = bc(C2), ONE = bc(1f),
            LN2_HIV = bc(LN2_HI), LN2_LOV = bc(LN2_LO);

    private static FloatVector bc(float c) {
        return FloatVector.broadcast(VectorWidth.SPECIES, c);
    }

    /** {@code e^x}, the specification of {@link #shifted}. */
    public static float of(float x) {
        if (x < LOWEST) return 0f;
        float rounded = Math.fma(x, LOG2E, ROUND);
        float n = rounded - ROUND;                               // nearest integer to x / ln 2
        float r = Math.fma(-n, LN2_LO, Math.fma(-n, LN2_HI, x)); // x - n ln 2, in two parts
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);                                  // e^r
        // 2^n: n + 127 in the exponent bits; n itself is in the low bits of rounded
        int twoToN = (Float.floatToRawIntBits(rounded) - ROUND_BITS + 127) << 23;
        return p * Float.intBitsToFloat(twoToN);                 // e^r 2^n
    }

    /** {@code x[j] = e^(x[j] - shift)} for {@code j} in {@code [from, from + n)}, one number at a time. */
    static void shiftedScalar(float[] x, int from, int n, float shift) {
        for (int j = from; j < from + n; j++) x[j] = of(x[j] - shift);
    }

    /** The same as {@link #shiftedScalar}, a vector of lanes at a time: each lane is {@link #of}'s steps. */
    static void shifted(float[] x, int from, int n, float shift) {
        VectorSpecies<Float> s = VectorWidth.SPECIES;
        int j = from, end = from + n;
        for (; j + s.length() <= end; j += s.length()) {
            FloatVector v = FloatVector.fromArray(s, x, j).sub(shift);
            VectorMask<Float> tiny = v.lt(LOWEST);
            FloatVector rounded = v.fma(LOG2E, ROUND), minusN = rounded.sub(ROUND).neg();
            FloatVector r = minusN.fma(LN2_LOV, minusN.fma(LN2_HIV, v));
            FloatVector p = C7V.fma(r, C6V);
            p = p.fma(r, C5V);
            p = p.fma(r, C4V);
            p = p.fma(r, C3V);
            p = p.fma(r, C2V);
            p = p.fma(r, ONE);
            p = p.fma(r, ONE);
            IntVector twoToN = rounded.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
            p.mul(twoToN.reinterpretAsFloats()).blend(0f, tiny).intoArray(x, j);
        }
        for (; j < end; j++) x[j] = of(x[j] - shift);
    }
}
