package jdpo.optim;

import jdpo.tensor.Parallel;
import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Updates parameters in place from their gradients: {@code theta <- update(theta, grad, lr)}.
 *
 * <p>The state a resumed run needs (moments, step count) is exposed as named tensors so that a
 * checkpoint can store it in a safetensors file next to the weights.
 */
public interface Optimizer {

    /** One update of every parameter from its {@code grad}, at learning rate {@code lr >= 0}. */
    void step(List<Parameter> params, double lr);

    /** The name the command line uses, e.g. {@code "adamw"}. */
    String name();

    /** Number of steps taken so far (PyTorch's {@code state["step"]}). */
    int steps();

    /**
     * The optimizer's state by tensor name, e.g. {@code exp_avg.<parameter name>}; the tensors are
     * the live buffers, to be written out, not changed. Empty for a stateless optimizer.
     */
    Map<String, Tensor> state();

    /**
     * Replaces the state with {@code state} (copied; names as {@link #state()} gives them) and the
     * step count with {@code steps}, so that the next {@link #step} continues a saved run exactly.
     *
     * @throws IllegalArgumentException when a name or shape does not belong to this optimizer
     */
    void loadState(Map<String, Tensor> state, int steps);

    /**
     * The optimizer the command line names: {@code adamw} (the Adam hyper-parameters and
     * decoupled weight decay apply) or {@code sgd} (plain gradient descent; they do not).
     */
    static Optimizer create(String name, double beta1, double beta2, double eps, double weightDecay, Parallel parallel) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "adamw" -> new AdamW(beta1, beta2, eps, weightDecay, parallel);
            case "sgd" -> new Sgd();
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "'; valid: adamw, sgd");
        };
    }

    /** Checks a learning rate: finite and {@code >= 0}. */
    static void requireLearningRate(double lr) {
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + lr);
        }
    }
}
