package jdpo.gpt2;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;

import java.util.List;

/**
 * What runs the linear layers of a {@link Gpt2} in place of the plain {@code y = x W + b}: low-rank
 * adapters (LoRA, {@code jdpo.lora.LoraLayers}) on a frozen base. The model calls it for each of
 * the four {@link Conv1dModule}s of every block, forward and backward; the adapters decide which
 * of them they change.
 */
public interface LinearAdapters {

    /** Called at the start of each forward over {@code rows} positions ({@code B * T}). */
    void prepare(int rows);

    /** Linear layer {@code m} of block {@code layer}: {@code y = x w + b}, plus whatever the adapters add. */
    void forward(Kernels k, int layer, Conv1dModule m, Tensor y, Tensor x, Tensor w, Tensor b);

    /**
     * Backward of {@link #forward}: accumulates into {@code dx} (unless null) and the adapters'
     * gradients; {@code dw} and {@code db} are null, the base being frozen.
     */
    void backward(Kernels k, int layer, Conv1dModule m, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w);

    /** Whether the adapters keep gradients (they train) or only run forward. */
    boolean trainable();

    /** The adapters' parameters with their gradients: what the optimizer steps. */
    List<Parameter> parameters();

    void zeroGrad();

    /** Layers and widths the adapters were made for, checked against the model's. */
    Gpt2Config shape();
}
