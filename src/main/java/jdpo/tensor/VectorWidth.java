package jdpo.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD width of the vector kernels, chosen once per JVM so the JIT sees a constant.
 *
 * <p>Default {@value #DEFAULT_BITS} bits, by measurement on an AMD EPYC (Zen 4, AVX-512,
 * 2 cores): single-thread GFLOP/s over the 15 GPT-2 products, best micro-tile of each width,
 * averaged: 512-bit 6x4 vectors 91.6, 256-bit 8x3 86.1, 256-bit 12x2 80.5 (the JMH table in the
 * README compares both widths with the shipped 6x4 tile). Zen 4 splits a 512-bit operation into
 * two 256-bit halves, so the peak is the same; the wider vectors presumably win by issuing half
 * the loads, broadcasts and loop instructions per flop. (CPUs that slow their clock for 512-bit
 * work may prefer 256.) The system property
 * {@code -Djdpo.vector.bits=256|512|128} overrides the default; a width the CPU lacks falls back
 * to the widest it has ({@link FloatVector#SPECIES_PREFERRED}).
 */
final class VectorWidth {
    private VectorWidth() {}

    static final int DEFAULT_BITS = 512;

    static final VectorSpecies<Float> SPECIES = choose(System.getProperty("jdpo.vector.bits"));

    static VectorSpecies<Float> choose(String bits) {
        int wanted = DEFAULT_BITS;
        if (bits != null) {
            try {
                wanted = Integer.parseInt(bits.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("jdpo.vector.bits must be 128, 256 or 512, got '" + bits + "'");
            }
            if (wanted != 128 && wanted != 256 && wanted != 512) {
                throw new IllegalArgumentException("jdpo.vector.bits must be 128, 256 or 512, got " + wanted);
            }
        }
        int bitsUsed = Math.min(wanted, FloatVector.SPECIES_PREFERRED.vectorBitSize());
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bitsUsed));
    }
}
