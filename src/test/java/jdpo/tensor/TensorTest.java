package jdpo.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TensorTest {

    @Test
    void rowIsAViewThatWritesThroughToTheParent() {
        Tensor t = Tensor.zeros(2, 3, 4);
        Tensor r = t.row(1).row(2);
        assertArrayEquals(new int[] {4}, r.shape());
        r.put(3, 7f);
        assertEquals(7f, t.get(1, 2, 3));
        assertEquals(1 * 12 + 2 * 4 + 3, indexOfSeven(t));
    }

    private static int indexOfSeven(Tensor t) {
        for (int i = 0; i < t.size(); i++) if (t.at(i) == 7f) return i;
        return -1;
    }

    @Test
    void rowsAndReshapeShareTheArray() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 3, 2);
        Tensor mid = t.rows(1, 3).reshape(4);
        assertArrayEquals(new float[] {2, 3, 4, 5}, mid.toArray());
        assertThrows(IllegalArgumentException.class, () -> t.reshape(5));
        assertThrows(IndexOutOfBoundsException.class, () -> t.row(3));
    }

    @Test
    void sameSeedGivesTheSameNumbersAndDifferentSeedsDoNot() {
        Tensor a = Tensor.randn(new Rng(42), 1f, 1000);
        Tensor b = Tensor.randn(new Rng(42), 1f, 1000);
        Tensor c = Tensor.randn(new Rng(43), 1f, 1000);
        assertArrayEquals(a.toArray(), b.toArray());
        assertEquals(false, java.util.Arrays.equals(a.toArray(), c.toArray()));
    }

    @Test
    void gaussianHasRoughlyUnitMomentsOnManyDraws() {
        Rng rng = new Rng(7);
        int n = 200_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            double g = rng.nextGaussian();
            sum += g;
            sq += g * g;
        }
        // Standard errors are 1/sqrt(n) ~ 0.0022 for the mean and ~0.0032 for the variance.
        assertEquals(0.0, sum / n, 0.015);
        assertEquals(1.0, sq / n, 0.02);
    }

    @Test
    void nextIntStaysInBounds() {
        Rng rng = new Rng(3);
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[rng.nextInt(7)]++;
        for (int c : counts) assertEquals(10_000, c, 500);
    }

    @Test
    void rngStateRestoresExactly() {
        Rng rng = new Rng(11);
        rng.nextGaussian();
        long[] s = rng.state();
        double expected = rng.nextGaussian();
        rng.nextGaussian();
        rng.restore(s);
        assertEquals(expected, rng.nextGaussian());
    }
}
