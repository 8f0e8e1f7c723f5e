package jdpo.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpTest {

    @Test
    void isWithinTwoUlpsOfMathExpDownToTheSmallestNormalFloat() {
        Rng rng = new Rng(61);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = i < 1000 ? -i * 0.0873f : (float) (rng.nextDouble() * -87.3);
            double exact = Math.exp(x);
            float got = Exp.of(x);
            double ulps = Math.abs(got - exact) / Math.ulp((float) exact);
            worst = Math.max(worst, ulps);
            assertTrue(ulps <= 2, "e^" + x + ": " + got + " against " + exact + " (" + ulps + " ulps)");
        }
        assertTrue(worst > 0, "a float exp cannot be exact everywhere");
    }

    @Test
    void handlesTheEndsOfItsRange() {
        assertEquals(1f, Exp.of(0f));
        assertEquals(1f, Exp.of(-0f));
        assertEquals(0f, Exp.of(Float.NEGATIVE_INFINITY));
        assertEquals(0f, Exp.of(-100f), "below the smallest normal float");
        assertTrue(Float.isNaN(Exp.of(Float.NaN)));
        assertEquals(Math.exp(10), Exp.of(10f), Math.ulp((float) Math.exp(10)) * 2);
    }

    @Test
    void theVectorLoopGivesTheScalarBits() {
        Rng rng = new Rng(62);
        for (int n : new int[] {0, 1, 7, 16, 17, 31, 64, 100, 1027}) {
            float[] x = new float[n + 3];
            for (int j = 0; j < x.length; j++) x[j] = (float) (rng.nextGaussian() * 30);
            if (n > 10) {
                x[3] = Float.NEGATIVE_INFINITY;
                x[4] = Float.NaN;
                x[5] = Exp.LOWEST;
                x[6] = Math.nextDown(Exp.LOWEST);
                x[7] = 0f;
            }
            float shift = n % 2 == 0 ? 0f : 4.5f;
            float[] scalar = x.clone(), vector = x.clone();
            Exp.shiftedScalar(scalar, 2, n, shift);
            Exp.shifted(vector, 2, n, shift);
            assertArrayEquals(scalar, vector, "n = " + n);
            assertEquals(x[0], vector[0], "before the range");
            assertEquals(x[n + 2], vector[n + 2], "after the range");
        }
    }
}
