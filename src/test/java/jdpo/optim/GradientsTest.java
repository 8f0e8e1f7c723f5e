package jdpo.optim;

import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientsTest {

    @Test
    void gradientsAreZeroedScaledAndCheckedAsAWhole() {
        List<Parameter> params = List.of(param("a", Tensor.of(new float[] {1f, -2f}, 2)), param("b", Tensor.of(new float[] {4f}, 1)));
        Gradients.scale(params, 0.5f);
        assertArrayEquals(new float[] {0.5f, -1f}, params.get(0).grad.toArray());
        assertTrue(Gradients.allFinite(params));
        params.get(1).grad.put(0, Float.POSITIVE_INFINITY);
        assertFalse(Gradients.allFinite(params));
        Gradients.zero(params);
        assertArrayEquals(new float[2], params.get(0).grad.toArray());
        assertArrayEquals(new float[1], params.get(1).grad.toArray());
    }

    private static Parameter param(String name, Tensor grad) {
        return new Parameter(name, Tensor.zeros(grad.shape()), grad, true);
    }
}
