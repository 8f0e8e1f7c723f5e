package jdpo.nn;

import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;

import static jdpo.nn.GradientCheck.Settings.LOGITS;
import static jdpo.nn.GradientCheck.accumulated;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogSoftmaxTest {

    @TestFactory
    List<DynamicTest> gradientOfLogitsMatchesFiniteDifferences() {
        Rng gen = new Rng(81);
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : SoftmaxTest.shapes(gen, 24)) {
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " logits" + Arrays.toString(shape), () -> {
                Rng rng = new Rng(seed);
                Tensor x = Tensor.randn(rng, 2f, shape), r = Tensor.randn(rng, 1f, shape);
                Tensor lp = Tensor.zeros(shape).fill(Float.NaN);
                LogSoftmax.forward(lp, x);
                Tensor dx = Tensor.randn(rng, 1f, shape), dx0 = dx.copy();
                LogSoftmax.backward(dx, r, lp);
                Tensor lp2 = Tensor.zeros(shape);
                DoubleSupplier loss = () -> {
                    LogSoftmax.forward(lp2, x);
                    return GradientCheck.project(lp2, r);
                };
                GradientCheck.check("dlogits", loss, x, accumulated(dx, dx0), LOGITS);
            }));
        }
        return tests;
    }

    @Test
    void isTheLogOfSoftmax() {
        Rng rng = new Rng(82);
        Tensor x = Tensor.randn(rng, 3f, 4, 23), lp = Tensor.zeros(4, 23), p = Tensor.zeros(4, 23);
        LogSoftmax.forward(lp, x);
        Softmax.forward(p, x);
        for (int i = 0; i < x.size(); i++) assertEquals(Math.log(p.at(i)), lp.at(i), 1e-5 * (1 + Math.abs(lp.at(i))));
    }

    @Test
    void aHandWorkedRowStaysFiniteForHugeLogits() {
        Tensor x = Tensor.of(new float[] {1f, 2f, 3f}, 3), lp = Tensor.zeros(3);
        LogSoftmax.forward(lp, x);
        assertArrayEquals(new float[] {-2.4076059f, -1.4076059f, -0.40760596f}, lp.toArray(), 1e-6f);
        Tensor big = Tensor.of(new float[] {1000f, 0f, -1000f}, 3);
        LogSoftmax.forward(big, big); // in place
        assertArrayEquals(new float[] {0f, -1000f, -2000f}, big.toArray());
    }

    @Test
    void rejectsMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () -> LogSoftmax.forward(Tensor.zeros(2, 3), Tensor.zeros(6)));
        assertThrows(IllegalArgumentException.class, () -> LogSoftmax.backward(Tensor.zeros(2, 3), Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
    }
}
