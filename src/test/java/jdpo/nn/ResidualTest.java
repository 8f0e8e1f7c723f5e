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

import static jdpo.nn.GradientCheck.Settings.OPS;
import static jdpo.nn.GradientCheck.accumulated;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResidualTest {

    @TestFactory
    List<DynamicTest> gradientsOfBothBranchesMatchFiniteDifferences() {
        Rng gen = new Rng(61);
        List<DynamicTest> tests = new ArrayList<>();
        int[][] fixed = {{1}, {1, 1, 5}, {2, 3, 36}};
        for (int c = 0; c < 20; c++) {
            int[] shape;
            if (c < fixed.length) {
                shape = fixed[c];
            } else {
                shape = new int[gen.nextInt(1, 3)];
                for (int d = 0; d < shape.length; d++) shape[d] = gen.nextInt(1, d == shape.length - 1 ? 40 : 4);
            }
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " x" + Arrays.toString(shape), () -> {
                Rng rng = new Rng(seed);
                Tensor a = Tensor.randn(rng, 1f, shape), b = Tensor.randn(rng, 1f, shape), r = Tensor.randn(rng, 1f, shape);
                Tensor da = Tensor.randn(rng, 1f, shape), da0 = da.copy(), db = Tensor.randn(rng, 1f, shape), db0 = db.copy();
                Residual.backward(da, db, r);
                Tensor out = Tensor.zeros(shape);
                DoubleSupplier loss = () -> {
                    Residual.forward(out, a, b);
                    return GradientCheck.project(out, r);
                };
                GradientCheck.check("da", loss, a, accumulated(da, da0), OPS);
                GradientCheck.check("db", loss, b, accumulated(db, db0), OPS);
            }));
        }
        return tests;
    }

    @Test
    void addsInPlaceIntoTheResidualStream() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3), b = Tensor.of(new float[] {10, 20, 30}, 3);
        Residual.forward(a, a, b);
        assertArrayEquals(new float[] {11, 22, 33}, a.toArray());
    }

    @Test
    void backwardMayAccumulateIntoItsOwnUpstreamGradient() {
        Tensor g = Tensor.of(new float[] {1, 2}, 2), db = Tensor.of(new float[] {5, 5}, 2);
        Residual.backward(g, db, g);
        assertArrayEquals(new float[] {2, 4}, g.toArray());
        assertArrayEquals(new float[] {6, 7}, db.toArray());
    }

    @Test
    void rejectsMismatchedSizes() {
        assertThrows(IllegalArgumentException.class, () -> Residual.forward(Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(2)));
        assertThrows(IllegalArgumentException.class, () -> Residual.backward(Tensor.zeros(2), Tensor.zeros(3), Tensor.zeros(3)));
    }
}
