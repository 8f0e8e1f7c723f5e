package jdpo.optim;

import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Plain gradient descent, {@code theta <- theta - lr * grad}, as the DPO derivation states it
 * (and as {@code torch.optim.SGD} does without momentum or weight decay).
 */
public final class Sgd implements Optimizer {
    private int steps;

    @Override
    public void step(List<Parameter> params, double lr) {
        Optimizer.requireLearningRate(lr);
        float negLr = (float) -lr;
        for (Parameter p : params) {
            float[] v = p.value.data, g = p.grad.data;
            int vo = p.value.offset, go = p.grad.offset;
            // torch's add_(grad, alpha=-lr) is a fused multiply-add on CPU.
            for (int i = 0, n = p.value.size(); i < n; i++) v[vo + i] = Math.fma(negLr, g[go + i], v[vo + i]);
        }
        steps++;
    }

    @Override
    public String name() { return "sgd"; }

    @Override
    public int steps() { return steps; }

    @Override
    public Map<String, Tensor> state() { return Map.of(); }

    @Override
    public void loadState(Map<String, Tensor> state, int steps) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException("sgd keeps no state, got tensors " + state.keySet());
        }
        if (steps < 0) throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        this.steps = steps;
    }
}
