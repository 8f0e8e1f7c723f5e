package jdpo.nn;

import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker itself: it must accept an exact gradient and reject the small mistakes a real
 * bug makes, otherwise the op tests prove nothing.
 */
class GradientCheckTest {

    /** f(x) = sum_i r_i * tanh(x_i) * x_{i+1} over a float32 computation, and its exact gradient. */
    private static final int N = 40;

    private static Tensor forward(Tensor x) {
        Tensor out = Tensor.zeros(N);
        for (int i = 0; i < N; i++) out.put(i, (float) Math.tanh(x.at(i)) * x.at((i + 1) % N));
        return out;
    }

    private static double[] exactGradient(Tensor x, Tensor r) {
        double[] g = new double[N];
        for (int i = 0; i < N; i++) {
            double t = Math.tanh(x.at(i));
            g[i] += r.at(i) * (1 - t * t) * x.at((i + 1) % N);
            g[(i + 1) % N] += r.at(i) * t;
        }
        return g;
    }

    private final Rng rng = new Rng(7);
    private final Tensor x = Tensor.randn(rng, 1.5f, N);
    private final Tensor r = Tensor.randn(rng, 1f, N);
    private final DoubleSupplier loss = () -> GradientCheck.project(forward(x), r);

    @Test
    void acceptsTheExactGradientWithRoomToSpare() {
        double worst = GradientCheck.check("f", loss, x, exactGradient(x, r), GradientCheck.Settings.OPS);
        assertTrue(worst < 0.1, "float noise should be far inside the tolerance, was " + worst + " of it");
    }

    @Test
    void rejectsOneElementOffByOnePercent() {
        double[] g = exactGradient(x, r);
        g[17] *= 1.01;
        assertThrows(AssertionFailedError.class, () -> GradientCheck.check("f", loss, x, g, GradientCheck.Settings.OPS));
    }

    @Test
    void rejectsAGradientScaledByOnePercent() {
        double[] g = exactGradient(x, r);
        for (int i = 0; i < N; i++) g[i] *= 1.01;
        assertThrows(AssertionFailedError.class, () -> GradientCheck.check("f", loss, x, g, GradientCheck.Settings.OPS));
    }

    @Test
    void rejectsAMissingTerm() {
        double[] g = new double[N];
        for (int i = 0; i < N; i++) g[(i + 1) % N] += r.at(i) * Math.tanh(x.at(i));
        assertThrows(AssertionFailedError.class, () -> GradientCheck.check("f", loss, x, g, GradientCheck.Settings.OPS));
    }

    @Test
    void rejectsNaN() {
        double[] g = exactGradient(x, r);
        g[3] = Double.NaN;
        assertThrows(AssertionFailedError.class, () -> GradientCheck.check("f", loss, x, g, GradientCheck.Settings.OPS));
    }

    @Test
    void restoresTheInputBitForBit() {
        float[] before = x.toArray();
        GradientCheck.numeric(loss, x, 1e-2);
        for (int i = 0; i < N; i++) assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(x.at(i)));
    }

    @Test
    void samplingChecksOnlyTheDrawnElementsButStillCatchesABadOne() {
        double[] g = exactGradient(x, r);
        for (int i = 0; i < N; i++) g[i] = -g[i]; // every element wrong: any sample finds it
        assertThrows(AssertionFailedError.class,
                () -> GradientCheck.checkSampled("f", loss, x, g, GradientCheck.Settings.OPS, new Rng(1), 5));
        GradientCheck.checkSampled("f", loss, x, exactGradient(x, r), GradientCheck.Settings.OPS, new Rng(1), 5);
    }

    @Test
    void accumulatedIsTheDifferenceOfAfterAndBefore() {
        Tensor before = Tensor.of(new float[] {1f, -2f, 0.5f}, 3);
        Tensor after = Tensor.of(new float[] {1.25f, -2f, 3f}, 3);
        double[] g = GradientCheck.accumulated(after, before);
        assertEquals(0.25, g[0]);
        assertEquals(0.0, g[1]);
        assertEquals(2.5, g[2]);
    }
}
