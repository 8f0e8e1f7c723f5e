package jdpo.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HalfPrecisionTest {

    private static void assertBits(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), what);
    }

    @Test
    void f16KnownValues() {
        assertBits(1f, HalfPrecision.f16ToFloat((short) 0x3C00), "1");
        assertBits(-2f, HalfPrecision.f16ToFloat((short) 0xC000), "-2");
        assertBits(0.5f, HalfPrecision.f16ToFloat((short) 0x3800), "0.5");
        assertBits(65504f, HalfPrecision.f16ToFloat((short) 0x7BFF), "largest normal");
        assertBits(0x1p-14f, HalfPrecision.f16ToFloat((short) 0x0400), "smallest normal");
        assertBits(0x1p-24f, HalfPrecision.f16ToFloat((short) 0x0001), "smallest subnormal");
        assertBits(1023 * 0x1p-24f, HalfPrecision.f16ToFloat((short) 0x03FF), "largest subnormal");
        assertBits(-0x1p-24f, HalfPrecision.f16ToFloat((short) 0x8001), "negative subnormal");
        assertBits(0f, HalfPrecision.f16ToFloat((short) 0x0000), "+0");
        assertBits(-0f, HalfPrecision.f16ToFloat((short) 0x8000), "-0");
        assertBits(Float.POSITIVE_INFINITY, HalfPrecision.f16ToFloat((short) 0x7C00), "+inf");
        assertBits(Float.NEGATIVE_INFINITY, HalfPrecision.f16ToFloat((short) 0xFC00), "-inf");
        assertTrue(Float.isNaN(HalfPrecision.f16ToFloat((short) 0x7E00)), "quiet NaN");
        assertTrue(Float.isNaN(HalfPrecision.f16ToFloat((short) 0xFC01)), "signalling NaN, negative");
        assertBits(0.333251953125f, HalfPrecision.f16ToFloat((short) 0x3555), "nearest to 1/3");
    }

    /** All 65536 patterns against the textbook formula evaluated in double. */
    @Test
    void f16EveryPatternMatchesTheFormula() {
        for (int h = 0; h < 65536; h++) {
            int s = h >>> 15, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
            float actual = HalfPrecision.f16ToFloat((short) h);
            if (e == 31) {
                assertTrue(m == 0 ? Float.isInfinite(actual) : Float.isNaN(actual), Integer.toHexString(h));
                continue;
            }
            double magnitude = e == 0 ? m * Math.pow(2, -24) : Math.pow(2, e - 15) * (1 + m / 1024.0);
            double expected = s == 1 ? -magnitude : magnitude;
            assertBits((float) expected, actual, Integer.toHexString(h));
        }
    }

    @Test
    void bf16KnownValues() {
        assertBits(1f, HalfPrecision.bf16ToFloat((short) 0x3F80), "1");
        assertBits(-2f, HalfPrecision.bf16ToFloat((short) 0xC000), "-2");
        assertBits(3.140625f, HalfPrecision.bf16ToFloat((short) 0x4049), "pi, truncated");
        assertBits(-0f, HalfPrecision.bf16ToFloat((short) 0x8000), "-0");
        assertBits(Float.intBitsToFloat(0x0001_0000), HalfPrecision.bf16ToFloat((short) 0x0001), "subnormal");
        assertBits(Float.POSITIVE_INFINITY, HalfPrecision.bf16ToFloat((short) 0x7F80), "+inf");
        assertBits(Float.NEGATIVE_INFINITY, HalfPrecision.bf16ToFloat((short) 0xFF80), "-inf");
        assertTrue(Float.isNaN(HalfPrecision.bf16ToFloat((short) 0x7FC0)), "NaN");
    }

    @Test
    void bf16IsTheUpperHalfOfFloat32() {
        for (int h = 0; h < 65536; h++) {
            assertEquals(h << 16, Float.floatToRawIntBits(HalfPrecision.bf16ToFloat((short) h)), Integer.toHexString(h));
        }
    }
}
