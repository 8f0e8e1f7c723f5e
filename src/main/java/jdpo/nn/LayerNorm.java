package jdpo.nn;

import jdpo.tensor.Tensor;

import static jdpo.tensor.MatrixShapes.cols;
import static jdpo.tensor.MatrixShapes.require;
import static jdpo.tensor.MatrixShapes.rows;

/**
 * Layer normalization over the last dimension:
 * {@code out = (x - mean) * rstd * weight + bias}, with {@code rstd = 1 / sqrt(var + eps)} and
 * the biased variance {@code var = mean((x - mean)^2)}, as PyTorch computes it.
 */
public final class LayerNorm {
    private LayerNorm() {}

    /**
     * @param out    [N.., C], overwritten
     * @param mean   one number per row of x, saved for the backward
     * @param rstd   one number per row of x, saved for the backward
     * @param x      [N.., C]
     * @param weight [C]
     * @param bias   [C]
     * @param eps    added to the variance (GPT-2: 1e-5)
     */
    public static void forward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps) {
        String op = "LayerNorm.forward";
        int n = rows(x), c = cols(x);
        Shapes.requireSameShape(op, "out", out, "x", x);
        Shapes.requireSize(op, "mean", mean, n);
        Shapes.requireSize(op, "rstd", rstd, n);
        require(op, "weight", weight, 1, c);
        require(op, "bias", bias, 1, c);
        float[] xd = x.data, od = out.data, w = weight.data, bb = bias.data;
        for (int i = 0; i < n; i++) {
            int row = x.offset + i * c;
            // Two passes in double: the variance of nearly equal numbers stays accurate.
            double sum = 0;
            for (int j = 0; j < c; j++) sum += xd[row + j];
            double m = sum / c;
            double sq = 0;
            for (int j = 0; j < c; j++) {
                double d = xd[row + j] - m;
                sq += d * d;
            }
            float mu = (float) m;
            float r = (float) (1.0 / Math.sqrt(sq / c + eps));
            int oRow = out.offset + i * c;
            for (int j = 0; j < c; j++) {
                float norm = (xd[row + j] - mu) * r;
                od[oRow + j] = norm * w[weight.offset + j] + bb[bias.offset + j];
            }
            mean.data[mean.offset + i] = mu;
            rstd.data[rstd.offset + i] = r;
        }
    }

    /**
     * With {@code norm = (x - mean) * rstd} and {@code g = dout * weight}:
     * {@code dx += rstd * (g - mean(g) - norm * mean(g * norm))}, {@code dweight += sum dout * norm},
     * {@code dbias += sum dout} (sums over rows).
     *
     * @param dx      [N.., C], accumulated
     * @param dweight [C], accumulated; null when the weights are frozen (LoRA)
     * @param dbias   [C], accumulated; null when the weights are frozen
     * @param dout    [N.., C]
     * @param x       the forward's input
     * @param weight  [C]
     * @param mean    saved by the forward
     * @param rstd    saved by the forward
     */
    public static void backward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dout, Tensor x, Tensor weight,
                                Tensor mean, Tensor rstd) {
        String op = "LayerNorm.backward";
        int n = rows(x), c = cols(x);
        Shapes.requireSameShape(op, "dx", dx, "x", x);
        Shapes.requireSameShape(op, "dout", dout, "x", x);
        Shapes.requireSize(op, "mean", mean, n);
        Shapes.requireSize(op, "rstd", rstd, n);
        require(op, "weight", weight, 1, c);
        if (dweight != null) require(op, "dweight", dweight, 1, c);
        if (dbias != null) require(op, "dbias", dbias, 1, c);
        float[] xd = x.data, gd = dout.data, dxd = dx.data, w = weight.data;
        for (int i = 0; i < n; i++) {
            int xRow = x.offset + i * c, gRow = dout.offset + i * c, dxRow = dx.offset + i * c;
            float mu = mean.data[mean.offset + i], r = rstd.data[rstd.offset + i];
            // in the forward this was: out = norm * weight + bias
            // so now:                  dnorm = dout * weight (called g here)
            double gMean = 0, gNormMean = 0;
            for (int j = 0; j < c; j++) {
                float norm = (xd[xRow + j] - mu) * r;
                float g = gd[gRow + j] * w[weight.offset + j];
                gMean += g;
                gNormMean += g * norm;
            }
            float a = (float) (gMean / c), b = (float) (gNormMean / c);
            for (int j = 0; j < c; j++) {
                float norm = (xd[xRow + j] - mu) * r;
                float dy = gd[gRow + j];
                // in the forward this was: out = norm * weight + bias
                // so now:                  dbias += dout,  dweight += dout * norm  (unless frozen)
                if (dbias != null) dbias.data[dbias.offset + j] += dy;
                if (dweight != null) dweight.data[dweight.offset + j] += dy * norm;
                // in the forward this was: norm = (x - mean) * rstd, mean and rstd of the whole row
                // so now:                  dx += rstd * (g - mean(g) - norm * mean(g * norm))
                dxd[dxRow + j] += r * (dy * w[weight.offset + j] - a - norm * b);
            }
        }
    }
}
