package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

/**
 * A linear layer with a low-rank adapter (LoRA, Hu et al. 2021, Eq. 3), in GPT-2's Conv1D layout:
 *
 * <pre>
 *   y = x W + b + s (x A) B        s = alpha / r
 *   x [N.., in]   W [in, out]   b [out]   A [in, r]   B [r, out]   y [N.., out]
 * </pre>
 *
 * W and b are the frozen base layer; only A and B train. Because B starts at zero, the adapted
 * layer starts out as the base layer, and switching the adapter off gives the base layer back
 * exactly: that is what lets DPO use the base weights as its reference model.
 *
 * <p>The forward keeps the low-rank code {@code xa = x A [N.., r]} for the backward. The
 * products run on the same {@link Kernels} as every other layer; the scale is applied after
 * {@code (x A) B}, in the order PEFT applies it, so both round alike.
 */
public final class LoraLinear {
    private LoraLinear() {}

    /**
     * @param y       [N.., out], overwritten
     * @param xa      [N.., r], overwritten with {@code x A} (kept for the backward)
     * @param scratch [N.., out], overwritten (holds {@code (x A) B} before it is scaled and added)
     * @param x       [N.., in]
     * @param w       [in, out], the base weight
     * @param bias    [out], the base bias, or null
     * @param a       [in, r]
     * @param b       [r, out]
     * @param scale   {@code alpha / r}
     */
    public static void forward(Kernels k, Tensor y, Tensor xa, Tensor scratch, Tensor x, Tensor w, Tensor bias,
                               Tensor a, Tensor b, float scale) {
        requireSameSize("scratch", scratch, y);
        k.linearForward(y, x, w, bias);
        k.linearForward(xa, x, a, null);
        k.linearForward(scratch, xa, b, null);
        addScaled(y, scratch, scale);
    }

    /**
     * Backward of {@link #forward}, accumulating ({@code +=}) into every gradient it is given.
     * With a frozen base, pass {@code dw = db = null}: the base weights then get no gradient and
     * cost no work.
     *
     * @param dx      [N.., in], accumulated; null to skip the input gradient
     * @param dw      [in, out], accumulated, or null when the base is frozen
     * @param db      [out], accumulated, or null (frozen base, or no bias)
     * @param da      [in, r], accumulated
     * @param dbLora  [r, out], accumulated
     * @param dy      [N.., out]
     * @param x       the forward's input
     * @param xa      the forward's {@code x A}
     * @param w       [in, out]
     * @param a       [in, r]
     * @param b       [r, out]
     * @param scale   {@code alpha / r}
     * @param scratch [N.., out], overwritten
     * @param dxa     [N.., r], overwritten
     */
    public static void backward(Kernels k, Tensor dx, Tensor dw, Tensor db, Tensor da, Tensor dbLora, Tensor dy,
                                Tensor x, Tensor xa, Tensor w, Tensor a, Tensor b, float scale,
                                Tensor scratch, Tensor dxa) {
        requireSameSize("scratch", scratch, dy);
        // forward: y = x W + b; so dx += dy W^T, dW += x^T dy, db += sum of dy's rows
        if (dx != null) k.linearBackwardInput(dx, dy, w);
        if (dw != null) k.linearBackwardWeight(dw, db, x, dy);
        // forward: y += s t; so dt = s dy
        scratch.zero();
        addScaled(scratch, dy, scale);
        // forward: t = xa B; so dB += xa^T dt, dxa = dt B^T
        k.linearBackwardWeight(dbLora, null, xa, scratch);
        dxa.zero();
        k.linearBackwardInput(dxa, scratch, b);
        // forward: xa = x A; so dA += x^T dxa, dx += dxa A^T
        k.linearBackwardWeight(da, null, x, dxa);
        if (dx != null) k.linearBackwardInput(dx, dxa, a);
    }

    /** {@code y += s t}, element by element. */
    private static void addScaled(Tensor y, Tensor t, float s) {
        float[] yd = y.data, td = t.data;
        for (int i = 0; i < y.size(); i++) yd[y.offset + i] += s * td[t.offset + i];
    }

    private static void requireSameSize(String name, Tensor t, Tensor like) {
        if (t.size() != like.size()) {
            throw new IllegalArgumentException("LoraLinear: " + name + " is " + t + ", expected the size of " + like);
        }
    }
}
