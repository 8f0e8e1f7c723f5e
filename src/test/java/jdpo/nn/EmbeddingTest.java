package jdpo.nn;

import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static jdpo.nn.GradientCheck.Settings.OPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EmbeddingTest {

    @TestFactory
    List<DynamicTest> gradientsOfWteAndWpeMatchFiniteDifferences() {
        Rng gen = new Rng(11);
        List<DynamicTest> tests = new ArrayList<>();
        // {B, T, C, V, maxT}: a single position, a single row, C = 36, a one-token vocabulary
        int[][] fixed = {{1, 1, 1, 1, 1}, {1, 1, 5, 3, 2}, {2, 4, 36, 7, 7}, {3, 2, 17, 1, 2}};
        for (int c = 0; c < 24; c++) {
            int[] s;
            if (c < fixed.length) {
                s = fixed[c];
            } else {
                int t = gen.nextInt(1, 8);
                s = new int[] {gen.nextInt(1, 3), t, gen.nextInt(1, 24), gen.nextInt(1, 12), t + gen.nextInt(0, 3)};
            }
            long seed = gen.nextLong();
            tests.add(DynamicTest.dynamicTest(
                    String.format("seed=%d B=%d T=%d C=%d V=%d maxT=%d", seed, s[0], s[1], s[2], s[3], s[4]),
                    () -> checkGradients(seed, s[0], s[1], s[2], s[3], s[4])));
        }
        return tests;
    }

    private static void checkGradients(long seed, int b, int t, int c, int v, int maxT) {
        Rng rng = new Rng(seed);
        int[] ids = new int[b * t];
        for (int i = 0; i < ids.length; i++) ids[i] = rng.nextInt(v); // small V: ids repeat
        Tensor wte = Tensor.randn(rng, 1f, v, c), wpe = Tensor.randn(rng, 1f, maxT, c);
        Tensor r = Tensor.randn(rng, 1f, b, t, c);
        Tensor dwte = Tensor.randn(rng, 1f, v, c), dwte0 = dwte.copy();
        Tensor dwpe = Tensor.randn(rng, 1f, maxT, c), dwpe0 = dwpe.copy();
        Embedding.backward(dwte, dwpe, r, ids);
        Tensor out = Tensor.zeros(b, t, c);
        java.util.function.DoubleSupplier loss = () -> {
            Embedding.forward(out, ids, wte, wpe);
            return GradientCheck.project(out, r);
        };
        GradientCheck.check("dwte", loss, wte, GradientCheck.accumulated(dwte, dwte0), OPS);
        GradientCheck.check("dwpe", loss, wpe, GradientCheck.accumulated(dwpe, dwpe0), OPS);
    }

    @Test
    void eachRowIsTokenPlusPositionCountedFromZeroInEveryRow() {
        Rng rng = new Rng(3);
        Tensor wte = Tensor.randn(rng, 1f, 10, 6), wpe = Tensor.randn(rng, 1f, 8, 6);
        int[] ids = {4, 4, 9, 0, 1, 2, 3, 4, 5};
        Tensor out = Tensor.zeros(3, 3, 6).fill(Float.NaN);
        Embedding.forward(out, ids, wte, wpe);
        for (int b = 0; b < 3; b++) for (int t = 0; t < 3; t++) for (int j = 0; j < 6; j++) {
            assertEquals(wte.get(ids[b * 3 + t], j) + wpe.get(t, j), out.get(b, t, j));
        }
    }

    @Test
    void aRepeatedTokenCollectsEveryGradient() {
        Tensor dwte = Tensor.zeros(3, 2), dwpe = Tensor.zeros(4, 2);
        Tensor dout = Tensor.of(new float[] {1, 2, 10, 20, 100, 200}, 1, 3, 2);
        Embedding.backward(dwte, dwpe, dout, new int[] {2, 0, 2});
        assertEquals(101f, dwte.get(2, 0));
        assertEquals(202f, dwte.get(2, 1));
        assertEquals(10f, dwte.get(0, 0));
        assertEquals(0f, dwte.get(1, 0));
        assertEquals(10f, dwpe.get(1, 0));
        assertEquals(0f, dwpe.get(3, 1));
    }

    @Test
    void rejectsIdsOutsideTheVocabularyAndSequencesLongerThanWpe() {
        Tensor wte = Tensor.zeros(5, 4), wpe = Tensor.zeros(3, 4), out = Tensor.zeros(1, 2, 4);
        assertThrows(IllegalArgumentException.class, () -> Embedding.forward(out, new int[] {0, 5}, wte, wpe));
        assertThrows(IllegalArgumentException.class, () -> Embedding.forward(out, new int[] {-1, 0}, wte, wpe));
        assertThrows(IllegalArgumentException.class, () -> Embedding.forward(out, new int[] {0}, wte, wpe));
        assertThrows(IllegalArgumentException.class,
                () -> Embedding.forward(Tensor.zeros(1, 4, 4), new int[] {0, 1, 2, 3}, wte, wpe));
        assertThrows(IllegalArgumentException.class, () -> Embedding.forward(out, new int[] {0, 1}, Tensor.zeros(5, 3), wpe));
        assertThrows(IllegalArgumentException.class, () -> Embedding.backward(wte, wpe, out, new int[] {7, 1}));
    }
}
