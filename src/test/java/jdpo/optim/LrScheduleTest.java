package jdpo.optim;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LrScheduleTest {

    @Test
    void warmupRisesLinearlyFromZeroForEveryShape() {
        for (LrSchedule.Shape shape : LrSchedule.Shape.values()) {
            LrSchedule s = new LrSchedule(shape, 10, 110);
            assertEquals(0.0, s.multiplier(0), 0.0, shape.cliName());
            assertEquals(0.1, s.multiplier(1), 1e-15, shape.cliName());
            assertEquals(0.5, s.multiplier(5), 1e-15, shape.cliName());
            assertEquals(0.9, s.multiplier(9), 1e-15, shape.cliName());
            assertEquals(1.0, s.multiplier(10), 1e-15, shape.cliName());
        }
    }

    @Test
    void linearDecaysToZeroAtTheLastStepAndStaysThere() {
        LrSchedule s = LrSchedule.of("linear", 10, 110);
        assertEquals(0.5, s.multiplier(60), 1e-15);
        assertEquals(0.01, s.multiplier(109), 1e-15);
        assertEquals(0.0, s.multiplier(110), 0.0);
        assertEquals(0.0, s.multiplier(200), 0.0);
        assertEquals(2e-5, s.lr(4e-5, 60), 1e-20);
    }

    @Test
    void cosineFollowsHalfACosineWave() {
        LrSchedule s = LrSchedule.of("cosine", 10, 110);
        assertEquals(1.0, s.multiplier(10), 1e-15);
        assertEquals(0.5 * (1 + Math.cos(Math.PI / 4)), s.multiplier(35), 1e-15);
        assertEquals(0.5, s.multiplier(60), 1e-15);
        assertEquals(0.5 * (1 + Math.cos(0.75 * Math.PI)), s.multiplier(85), 1e-15);
        assertEquals(0.0, s.multiplier(110), 1e-15);
    }

    @Test
    void constantIsOneAfterWarmupAndWithoutWarmupEverythingStartsAtOne() {
        assertEquals(1.0, LrSchedule.of("constant", 3, 0).multiplier(3), 0.0);
        assertEquals(1.0, LrSchedule.of("constant", 3, 0).multiplier(1_000_000), 0.0);
        for (LrSchedule.Shape shape : LrSchedule.Shape.values()) {
            assertEquals(1.0, new LrSchedule(shape, 0, 50).multiplier(0), 0.0, shape.cliName());
        }
        // A single-step run: Hugging Face's max(1, ...) guards keep the division finite.
        assertEquals(1.0, LrSchedule.of("linear", 0, 1).multiplier(0), 0.0);
        assertEquals(0.0, LrSchedule.of("linear", 0, 1).multiplier(1), 0.0);
        assertEquals(0.0, LrSchedule.of("linear", 5, 5).multiplier(5), 0.0);
    }

    @TestFactory
    List<DynamicTest> multiplierStaysInZeroOneAndNeverRisesAfterWarmup() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] runs = {{0, 1}, {0, 7}, {3, 10}, {10, 10}, {25, 1000}, {100, 50}};
        for (LrSchedule.Shape shape : LrSchedule.Shape.values()) {
            for (int[] r : runs) {
                LrSchedule s = new LrSchedule(shape, r[0], r[1]);
                tests.add(DynamicTest.dynamicTest(s.toString(), () -> {
                    double previous = Double.NaN;
                    for (int step = 0; step < Math.max(r[0], r[1]); step++) {
                        double m = s.multiplier(step);
                        assertTrue(m >= 0 && m <= 1, "step " + step + ": " + m);
                        if (step > r[0]) assertTrue(m <= previous, "rises at step " + step);
                        if (step > 0 && step <= r[0]) assertTrue(m > previous, "warmup flat at step " + step);
                        previous = m;
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void unknownNamesListTheValidOnes() {
        assertEquals(LrSchedule.Shape.COSINE, LrSchedule.Shape.parse(" Cosine"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("step", 0, 10));
        assertTrue(e.getMessage().contains("'step'") && e.getMessage().contains("constant, linear, cosine"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("linear", -1, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("linear", 0, -10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("linear", 0, 10).multiplier(-1));
    }
}
