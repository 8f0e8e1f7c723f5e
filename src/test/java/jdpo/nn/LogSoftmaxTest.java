package jdpo.nn;

import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogSoftmaxTest {

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
    }
}
