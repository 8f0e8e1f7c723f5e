package jdpo.tensor;
import java.util.Arrays;

/**
 * A trainable tensor with its Hugging Face name and its gradient buffer.
 *
 * <p>{@code weightDecay} says whether decoupled weight decay applies; following Hugging Face's
 * Trainer, biases and LayerNorm weights are not decayed.
 */
public final class Parameter {
    public final String name;
    public final Tensor value;
    public final Tensor grad;
    public final boolean weightDecay;

    public Parameter(String name, Tensor value, Tensor grad, boolean weightDecay) {
        if (!value.sameShape(grad)) {
            throw new IllegalArgumentException(name + ": gradient shape differs from the value's");
        }
        this.name = name;
        this.value = value;
        this.grad = grad;
        this.weightDecay = weightDecay;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(value.shape());
    }
}
