package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.ScalarKernels;
import jdpo.tensor.Tensor;

import java.util.Arrays;

import static jdpo.tensor.MatrixShapes.rows;

/**
 * The language-modelling loss: {@code loss = mean over rows with a target of -log softmax(logits[n])[y_n]}.
 * Rows whose target is negative are ignored, like PyTorch's {@code ignore_index=-100}; with
 * none left the loss is 0. Built on {@link TokenLogProbs}.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /**
     * @param logits  [N.., V]
     * @param targets N ids in [0, V), negative to ignore
     * @return the mean negative log-likelihood over the rows not ignored
     */
    public static double forward(Tensor logits, int[] targets) {
        return forward(ScalarKernels.SERIAL, logits, targets);
    }


    /** {@link #forward(Tensor, int[])} with rows split over the kernels' threads, their exponentials. */
    public static double forward(Kernels k, Tensor logits, int[] targets) {
        float[] logp = new float[rows(logits)];
        TokenLogProbs.forward(k, logp, null, logits, targets);
        int count = counted(targets);
        if (count == 0) return 0.0;
        double sum = 0;
        for (float lp : logp) sum += lp; // ignored rows hold 0
        return -sum / count;
    }

    /**
     * The gradient of {@code dloss * loss}: {@code dlogits[n] += -dloss / count * (onehot(y_n) - softmax(logits[n]))}.
     *
     * @param dlogits [N.., V], accumulated
     * @param logits  the forward's input
     * @param targets the forward's targets
     * @param dloss   the gradient flowing into the loss (1 for plain training)
     */
    public static void backward(Tensor dlogits, Tensor logits, int[] targets, float dloss) {
        backward(ScalarKernels.SERIAL, dlogits, logits, targets, dloss);
    }

    /** {@link #backward(Tensor, Tensor, int[], float)} with rows split over the kernels' threads. */
    public static void backward(Kernels k, Tensor dlogits, Tensor logits, int[] targets, float dloss) {
        int count = counted(targets);
        float[] dlogp = new float[targets.length];
        // With every row ignored the loss is the constant 0; the call below still checks shapes.
        if (count > 0) Arrays.fill(dlogp, (float) (-(double) dloss / count));
        TokenLogProbs.backward(k, dlogits, logits, targets, dlogp, null);
    }

    private static int counted(int[] targets) {
        int count = 0;
        for (int y : targets) if (y >= 0) count++;
        return count;
    }
}
