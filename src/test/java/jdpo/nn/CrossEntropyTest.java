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

class CrossEntropyTest {

    @TestFactory
    List<DynamicTest> gradientOfLogitsMatchesFiniteDifferences() {
        Rng gen = new Rng(101);
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : TokenLogProbsTest.shapes(gen, 24)) {
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " logits" + Arrays.toString(shape), () -> {
                Rng rng = new Rng(seed);
                int v = shape[shape.length - 1];
                Tensor x = Tensor.randn(rng, 2f, shape);
                int[] y = TokenLogProbsTest.targets(rng, x.size() / v, v);
                float dloss = 0.5f + 1.5f * rng.nextFloat();
                Tensor dx = Tensor.randn(rng, 1f, shape), dx0 = dx.copy();
                CrossEntropy.backward(dx, x, y, dloss);
                DoubleSupplier loss = () -> dloss * CrossEntropy.forward(x, y);
                GradientCheck.check("dlogits", loss, x, accumulated(dx, dx0), LOGITS);
            }));
        }
        return tests;
    }

    @Test
    void uniformLogitsCostLnV() {
        for (int v : new int[] {1, 2, 50, 50257}) {
            Tensor x = Tensor.zeros(3, v).fill(0.3f);
            assertEquals(Math.log(v), CrossEntropy.forward(x, new int[] {0, v - 1, v / 2}), 1e-6, "V=" + v);
        }
    }

    @Test
    void isTheMeanOverCountedRowsOnly() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 1, 1, 1, 9, -4, 0}, 3, 3);
        // row 0: -log softmax = 0.40760596 (3 - log(e + e^2 + e^3)); row 1: ln 3; row 2 ignored
        assertEquals((0.40760596 + Math.log(3)) / 2, CrossEntropy.forward(x, new int[] {2, 0, -100}), 1e-7);
    }

    @Test
    void ignoredRowsContributeNothing() {
        Rng rng = new Rng(102);
        Tensor x = Tensor.randn(rng, 2f, 4, 11);
        int[] y = {3, -100, 10, -1};
        double before = CrossEntropy.forward(x, y);
        Tensor dx = Tensor.zeros(4, 11);
        CrossEntropy.backward(dx, x, y, 1f);
        for (int j = 0; j < 11; j++) {
            x.set(x.get(1, j) + 50f * j, 1, j);
            x.set(-7f, 3, j);
            assertEquals(0f, dx.get(1, j));
            assertEquals(0f, dx.get(3, j));
        }
        assertEquals(before, CrossEntropy.forward(x, y));
    }

    @Test
    void allRowsIgnoredCostsZeroAndHasNoGradient() {
        Tensor x = Tensor.randn(new Rng(103), 1f, 2, 5), dx = Tensor.randn(new Rng(104), 1f, 2, 5), dx0 = dx.copy();
        assertEquals(0.0, CrossEntropy.forward(x, new int[] {-100, -100}));
        CrossEntropy.backward(dx, x, new int[] {-100, -100}, 1f);
        assertArrayEquals(dx0.toArray(), dx.toArray());
    }

    @Test
    void rejectsTargetsOutsideTheVocabulary() {
        Tensor x = Tensor.zeros(2, 5);
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.forward(x, new int[] {0, 5}));
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.backward(Tensor.zeros(2, 5), x, new int[] {0, 5}, 1f));
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.backward(Tensor.zeros(2, 5), x, new int[] {-100, -100, -100}, 1f));
    }
}
