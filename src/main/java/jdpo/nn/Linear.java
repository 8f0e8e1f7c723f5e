package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

/**
 * A fully connected layer in Hugging Face's Conv1D layout: {@code y = x w + b} with
 * {@code w [in, out]}. The arithmetic lives in {@link Kernels}, the hot loop of training; this
 * class names the op where a reader of the model looks for it.
 */
public final class Linear {
    private Linear() {}

    /**
     * @param y [N.., out], overwritten
     * @param x [N.., in]
     * @param w [in, out]
     * @param b [out], or null for no bias
     */
    public static void forward(Kernels k, Tensor y, Tensor x, Tensor w, Tensor b) {
        k.linearForward(y, x, w, b);
    }

    /**
     * {@code dx += dy w^T}, {@code dw += x^T dy}, {@code db += sum over rows of dy}.
     *
     * @param dx [N.., in], accumulated; null to skip the input gradient (the first layer's input)
     * @param dw [in, out], accumulated
     * @param db [out], accumulated, or null when the layer has no bias
     * @param dy [N.., out]
     * @param x  the forward's input
     * @param w  [in, out]
     */
    public static void backward(Kernels k, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w) {
        // in the forward this was: y = x w + b
        // so now:                  dx += dy w^T,  dw += x^T dy,  db += sum over rows of dy
        if (dx != null) k.linearBackwardInput(dx, dy, w);
        k.linearBackwardWeight(dw, db, x, dy);
    }
}
