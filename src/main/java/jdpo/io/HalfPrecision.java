package jdpo.io;

/**
 * The two 16-bit float formats that checkpoints use, widened exactly to float32.
 *
 * <p>F16 (IEEE binary16): 1 sign, 5 exponent (bias 15), 10 mantissa bits; value
 * (-1)^s * 2^(e-15) * (1 + m/1024), subnormals (-1)^s * m * 2^-24. BF16 (bfloat16): the top 16
 * bits of a float32, so widening is a shift. Every value of either format is exactly a float32.
 */
public final class HalfPrecision {
    private HalfPrecision() {}

    /** The float32 equal to the binary16 number with these bits (NaN payloads kept). */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: m * 2^-24 is exact in float32 for every m < 1024.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /** The float32 whose upper 16 bits are these bfloat16 bits and lower 16 bits are zero. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
