package jdpo.lora;

import jdpo.gpt2.Conv1dModule;
import jdpo.gpt2.Gpt2Config;
import jdpo.gpt2.LinearAdapters;
import jdpo.nn.Linear;
import jdpo.nn.LoraLinear;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;

import java.util.List;

/**
 * A model's adapters at run time: the weights, their gradients, what the forward keeps for the
 * backward, and a switch. The model runs each of its linear layers through {@link #forward} and
 * {@link #backward}, which take the LoRA path where a layer has an adapter and the adapters are
 * on, and the plain {@link Linear} path elsewhere.
 *
 * <p>With the adapters off, the model is exactly its base model: that is the reference model of
 * DPO with LoRA, and why it needs no copy of the weights.
 */
public final class LoraLayers implements LinearAdapters {
    public final LoraWeights weights;
    private final LoraWeights grads;
    private final float scale;
    private boolean enabled = true;
    private boolean lastForwardAdapted;

    // What the forward keeps: x A for every adapted layer, [M, r]; sized by prepare().
    private Tensor[][] xa;
    private int rows = -1;
    // Buffers the products pass through, shared by every layer: [M, widest out] and [M, r].
    private float[] scratch;
    private Tensor dxa;

    /**
     * @param trainable whether gradients are kept (training); inference needs none
     */
    public LoraLayers(LoraWeights weights, boolean trainable) {
        this.weights = weights;
        this.grads = trainable ? weights.zerosLike() : null;
        this.scale = weights.config.scale();
    }

    /** Whether gradients are kept: the adapters train. */
    @Override
    public boolean trainable() {
        return grads != null;
    }

    @Override
    public Gpt2Config shape() {
        return weights.model;
    }

    /** Switches the adapters on or off; off, every layer is the base layer. */
    public void setEnabled(boolean on) {
        this.enabled = on;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The adapters paired with their gradients, for the optimizer: the only parameters that train. */
    @Override
    public List<Parameter> parameters() {
        return weights.parameters(requireGrads());
    }

    /** Gradients of the adapters (same layout as {@link #weights}). */
    public LoraWeights grads() {
        return requireGrads();
    }

    @Override
    public void zeroGrad() {
        requireGrads().all.zero();
    }

    private LoraWeights requireGrads() {
        if (grads == null) throw new IllegalStateException("these adapters were loaded for inference and have no gradients");
        return grads;
    }

    /**
     * Sizes the saved activations for a forward over {@code rows} positions ({@code B * T});
     * called once per forward, allocates only when the row count changes.
     */
    @Override
    public void prepare(int rows) {
        lastForwardAdapted = enabled;
        if (rows == this.rows) return;
        int r = weights.config.r(), layers = weights.model.nLayer, widest = 0;
        xa = new Tensor[layers][Conv1dModule.values().length];
        for (int l = 0; l < layers; l++) {
            for (Conv1dModule m : Conv1dModule.values()) {
                if (weights.config.adapts(m)) xa[l][m.ordinal()] = Tensor.zeros(rows, r);
            }
        }
        for (Conv1dModule m : weights.config.modules()) widest = Math.max(widest, m.out(weights.model));
        scratch = new float[rows * widest];
        dxa = Tensor.zeros(rows, r);
        this.rows = rows;
    }

    /** Linear layer {@code m} of block {@code layer}: {@code y = x W + b}, plus the adapter's share when on. */
    @Override
    public void forward(Kernels k, int layer, Conv1dModule m, Tensor y, Tensor x, Tensor w, Tensor bias) {
        Tensor a = weights.a(layer, m);
        if (a == null || !enabled) {
            Linear.forward(k, y, x, w, bias);
            return;
        }
        LoraLinear.forward(k, y, saved(layer, m, x), scratchLike(y), x, w, bias, a, weights.b(layer, m), scale);
    }

    /**
     * Backward of {@link #forward}: {@code dx} (if not null) and the adapter's gradients
     * accumulate; {@code dw} and {@code db} do too unless null (a frozen base).
     */
    @Override
    public void backward(Kernels k, int layer, Conv1dModule m, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w) {
        Tensor a = weights.a(layer, m);
        if (a == null || !lastForwardAdapted) {
            if (dx != null) k.linearBackwardInput(dx, dy, w);
            if (dw != null) k.linearBackwardWeight(dw, db, x, dy);
            return;
        }
        LoraLinear.backward(k, dx, dw, db, requireGrads().a(layer, m), grads.b(layer, m), dy, x, saved(layer, m, x),
                w, a, weights.b(layer, m), scale, scratchLike(dy), dxa);
    }

    private Tensor saved(int layer, Conv1dModule m, Tensor x) {
        if (xa == null || x.size() / x.dim(-1) != rows) throw new IllegalStateException("prepare(rows) before the forward");
        return xa[layer][m.ordinal()];
    }

    private Tensor scratchLike(Tensor y) {
        return Tensor.of(scratch, scratch.length).rows(0, y.size()).reshape(y.shape());
    }
}
