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
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoftmaxTest {

    /** {@link Softmax#backward} on every row: {@code dz} overwritten from {@code dp} and {@code p}. */
    static void softmaxBackwardRows(Tensor dz, Tensor dp, Tensor p) {
        int v = p.dim(-1);
        for (int row = 0; row < p.size(); row += v) {
            Softmax.backward(dz.data, dz.offset + row, dp.data, dp.offset + row, p.data, p.offset + row, v);
        }
    }

    /** Shapes [N.., V] with V = 1, a single row, V = 36 and random ones;  */
    static List<int[]> shapes(Rng gen, int count) {
        List<int[]> s = new ArrayList<>(List.of(new int[] {1}, new int[] {1, 7}, new int[] {2, 3, 36}, new int[] {4, 1}));
        while (s.size() < count) {
            int[] shape = new int[gen.nextInt(1, 3)];
            for (int d = 0; d < shape.length; d++) shape[d] = gen.nextInt(1, d == shape.length - 1 ? 50 : 4);
            s.add(shape);
        }
        return s;
    }

    @TestFactory
    List<DynamicTest> gradientOfLogitsMatchesFiniteDifferences() {
        Rng gen = new Rng(71);
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : shapes(gen, 24)) {
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " logits" + Arrays.toString(shape), () -> {
                Rng rng = new Rng(seed);
                Tensor x = Tensor.randn(rng, 2f, shape), r = Tensor.randn(rng, 1f, shape);
                Tensor p = Tensor.zeros(shape).fill(Float.NaN);
                Softmax.forward(p, x);
                Tensor dx = Tensor.zeros(shape).fill(Float.NaN), zero = Tensor.zeros(shape);
                softmaxBackwardRows(dx, r, p);
                Tensor p2 = Tensor.zeros(shape);
                DoubleSupplier loss = () -> {
                    Softmax.forward(p2, x);
                    return GradientCheck.project(p2, r);
                };
                GradientCheck.check("dlogits", loss, x, accumulated(dx, zero), LOGITS);
                // In place (dz = dp), as attention's backward calls it: the same numbers.
                Tensor inPlace = r.copy();
                softmaxBackwardRows(inPlace, inPlace, p);
                assertArrayEquals(dx.toArray(), inPlace.toArray());
            }));
        }
        return tests;
    }

    @Test
    void rowsSumToOneAndAddingAConstantChangesNothing() {
        Rng rng = new Rng(72);
        Tensor x = Tensor.randn(rng, 3f, 5, 17), p = Tensor.zeros(5, 17), shifted = x.copy(), q = Tensor.zeros(5, 17);
        for (int i = 0; i < shifted.size(); i++) shifted.put(i, shifted.at(i) + 100f * (i / 17 - 2));
        Softmax.forward(p, x);
        Softmax.forward(q, shifted);
        for (int n = 0; n < 5; n++) {
            double sum = 0;
            for (int j = 0; j < 17; j++) {
                sum += p.get(n, j);
                assertTrue(p.get(n, j) > 0);
            }
            assertEquals(1.0, sum, 1e-6);
        }
        // x + 100 is rounded to float, moving the logits by up to 4e-6; the probabilities follow.
        assertArrayEquals(p.toArray(), q.toArray(), 2e-5f);
    }

    @Test
    void handlesHugeLogitsWithoutOverflow() {
        Tensor x = Tensor.of(new float[] {1000f, 1000f, -1000f, 0f}, 1, 4), p = Tensor.zeros(1, 4);
        Softmax.forward(p, x);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f, 0f}, p.toArray());
    }

    @Test
    void aHandWorkedRowInPlace() {
        float[] x = {7f, 0f, (float) Math.log(3), 7f};
        Softmax.forward(x, 1, 2);
        assertArrayEquals(new float[] {7f, 0.25f, 0.75f, 7f}, x, 1e-7f);
    }

    @Test
    void rejectsMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () -> Softmax.forward(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
    }
}
