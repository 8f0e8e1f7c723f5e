package jdpo.optim;

import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SgdTest {

    @Test
    void stepSubtractsLrTimesTheGradientExactly() {
        // Values chosen so that lr * g and the difference are exact in float.
        Parameter p = new Parameter("w", Tensor.of(new float[] {1f, -2f, 0.5f}, 3), Tensor.of(new float[] {0.25f, -1f, 0f}, 3), true);
        Sgd sgd = new Sgd();
        sgd.step(List.of(p), 0.5);
        assertArrayEquals(new float[] {0.875f, -1.5f, 0.5f}, p.value.toArray());
        sgd.step(List.of(p), 1.0);
        assertArrayEquals(new float[] {0.625f, -0.5f, 0.5f}, p.value.toArray());
        assertEquals(2, sgd.steps());
        assertArrayEquals(new float[] {0.25f, -1f, 0f}, p.grad.toArray(), "the gradient is left as it was");
    }

    @Test
    void weightsFollowTorchSgdStepByStep() {
        TorchOptimFixture fixture = TorchOptimFixture.load();
        List<Parameter> params = fixture.initialParams();
        Sgd sgd = new Sgd();
        for (int s = 0; s < fixture.steps(); s++) {
            fixture.setGrads(params, s);
            sgd.step(params, fixture.lr(s));
            for (Parameter p : params) {
                // torch.optim.SGD ignores the weight-decay grouping; so does plain gradient descent.
                float[] expected = fixture.after("sgd", s, "params", p.name);
                float[] actual = p.value.toArray();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-7 * Math.max(1, Math.abs(expected[i])), p.name + "[" + i + "] step " + (s + 1));
                }
            }
        }
    }

    @Test
    void sgdHasNoStateButKeepsItsStepCount() {
        Sgd sgd = new Sgd();
        assertTrue(sgd.state().isEmpty());
        sgd.loadState(Map.of(), 7);
        assertEquals(7, sgd.steps());
        assertThrows(IllegalArgumentException.class, () -> sgd.loadState(Map.of("exp_avg.w", Tensor.zeros(1)), 1));
        assertThrows(IllegalArgumentException.class, () -> sgd.loadState(Map.of(), -1));
        Parameter p = new Parameter("w", Tensor.zeros(1), Tensor.zeros(1), false);
        assertThrows(IllegalArgumentException.class, () -> sgd.step(List.of(p), Double.POSITIVE_INFINITY));
    }
}
