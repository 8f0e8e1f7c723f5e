package jdpo.nn;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.ScalarKernels;
import jdpo.tensor.Tensor;

/**
 * GELU in GPT-2's tanh approximation ("gelu_new"):
 * {@code gelu(x) = 0.5 x (1 + tanh(u))}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)}.
 */
public final class Gelu {
    private Gelu() {}

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float CUBIC = 0.044715f;
    /** {@code e^(2u)} is taken at most at this: beyond it {@code tanh u} is 1 in float anyway. */
    private static final float MAX_2U = 80f;

    /** Elements per thread at least: a few microseconds of work, more than handing it over costs. */
    private static final int MIN_CHUNK = 4096;
    /** Elements per call to {@link Kernels#exp}: a scratch row that stays in L1. */
    private static final int ROW = 1024;


    /** On the calling thread alone, with the scalar exponential. */
    public static void forward(Tensor out, Tensor x) {
        forward(ScalarKernels.SERIAL, out, x);
    }

    /**
     * @param k   the kernels: {@code e^(2u)} a vector at a time (or not), and the threads to split
     *            the elements over; each element is computed alone, with the same bits either way
     * @param out any shape, overwritten (may be {@code x} itself)
     * @param x   same size as out
     */
    public static void forward(Kernels k, Tensor out, Tensor x) {
        Shapes.requireSize("Gelu.forward", "out", out, x.size());
        Parallel par = k.parallel();
        if (par.isSerial()) forwardElements(0, x.size(), k, out, x);
        else par.forRange(x.size(), MIN_CHUNK, (from, to) -> forwardElements(from, to, k, out, x));
    }

    /** Elements {@code [from, to)} of {@code out = gelu(x)}, {@value #ROW} at a time. */
    static void forwardElements(int from, int to, Kernels k, Tensor out, Tensor x) {
        float[] o = out.data, xd = x.data, e = new float[Math.min(ROW, to - from)];
        for (int i0 = from; i0 < to; i0 += ROW) {
            int n = Math.min(ROW, to - i0);
            twoU(e, xd, x.offset + i0, n);
            k.exp(e, 0, n, 0f);
            for (int j = 0; j < n; j++) {
                float v = xd[x.offset + i0 + j];
                o[out.offset + i0 + j] = 0.5f * v * (1f + tanh(e[j]));
            }
        }
    }

    /** On the calling thread alone, with the scalar exponential. */
    public static void backward(Tensor dx, Tensor dout, Tensor x) {
        backward(ScalarKernels.SERIAL, dx, dout, x);
    }

    /**
     * {@code dx += dout * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2))}.
     *
     * @param k    the kernels, as in the forward
     * @param dx   same size as x, accumulated
     * @param dout same size as x
     * @param x    the forward's input
     */
    public static void backward(Kernels k, Tensor dx, Tensor dout, Tensor x) {
        Shapes.requireSize("Gelu.backward", "dx", dx, x.size());
        Shapes.requireSize("Gelu.backward", "dout", dout, x.size());
        Parallel par = k.parallel();
        if (par.isSerial()) backwardElements(0, x.size(), k, dx, dout, x);
        else par.forRange(x.size(), MIN_CHUNK, (from, to) -> backwardElements(from, to, k, dx, dout, x));
    }

    /** Elements {@code [from, to)} of {@code dx += dout * gelu'(x)}. */
    static void backwardElements(int from, int to, Kernels k, Tensor dx, Tensor dout, Tensor x) {
        float[] d = dx.data, g = dout.data, xd = x.data, e = new float[Math.min(ROW, to - from)];
        for (int i0 = from; i0 < to; i0 += ROW) {
            int n = Math.min(ROW, to - i0);
            twoU(e, xd, x.offset + i0, n);
            k.exp(e, 0, n, 0f);
            for (int j = 0; j < n; j++) {
                // in the forward this was: out = 0.5 x (1 + tanh u),  u = sqrt(2/pi) (x + 0.044715 x^3)
                // so now:                  dx += dout * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) du/dx)
                float v = xd[x.offset + i0 + j], th = tanh(e[j]);
                float du = SQRT_2_OVER_PI * (1f + 3f * CUBIC * v * v);
                float local = 0.5f * (1f + th) + 0.5f * v * (1f - th * th) * du;
                d[dx.offset + i0 + j] += g[dout.offset + i0 + j] * local;
            }
        }
    }

    /** {@code e[j] = 2u} for the n inputs from {@code x[from]}, at most {@value #MAX_2U}. */
    private static void twoU(float[] e, float[] x, int from, int n) {
        for (int j = 0; j < n; j++) {
            float v = x[from + j];
            e[j] = Math.min(MAX_2U, 2f * SQRT_2_OVER_PI * (v + CUBIC * v * v * v));
        }
    }

    /** {@code tanh u} from {@code e^(2u)}: {@code (e^(2u) - 1) / (e^(2u) + 1) = 1 - 2 / (e^(2u) + 1)}. */
    static float tanh(float expTwoU) {
        return 1f - 2f / (expTwoU + 1f);
    }
}
