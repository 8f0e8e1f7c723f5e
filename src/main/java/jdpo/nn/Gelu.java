package jdpo.nn;

import jdpo.tensor.Parallel;
import jdpo.tensor.Tensor;

/**
 * GELU in GPT-2's tanh approximation ("gelu_new"):
 * {@code gelu(x) = 0.5 x (1 + tanh(u))}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)}.
 */
public final class Gelu {
    private Gelu() {}

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double CUBIC = 0.044715;

    /** Elements per thread at least: a few microseconds of work, more than handing it over costs. */
    private static final int MIN_CHUNK = 4096;

    /**
     * @param par the threads to split the elements over (each element is computed alone, so
     *            the result is the same for any count)
     * @param out any shape, overwritten (may be {@code x} itself)
     * @param x   same size as out
     */
    public static void forward(Parallel par, Tensor out, Tensor x) {
        Shapes.requireSize("Gelu.forward", "out", out, x.size());
        if (par.isSerial()) forwardElements(0, x.size(), out, x);
        else par.forRange(x.size(), MIN_CHUNK, (from, to) -> forwardElements(from, to, out, x));
    }

    /** On the calling thread alone. */
    public static void forward(Tensor out, Tensor x) {
        forward(Parallel.SERIAL, out, x);
    }

    /** Elements {@code [from, to)} of {@code out = gelu(x)}. */
    static void forwardElements(int from, int to, Tensor out, Tensor x) {
        float[] o = out.data, xd = x.data;
        for (int i = from; i < to; i++) {
            double v = xd[x.offset + i];
            double u = SQRT_2_OVER_PI * (v + CUBIC * v * v * v);
            o[out.offset + i] = (float) (0.5 * v * (1 + tanh(u)));
        }
    }

    /**
     * {@code dx += dout * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2))}.
     *
     * @param par  the threads to split the elements over
     * @param dx   same size as x, accumulated
     * @param dout same size as x
     * @param x    the forward's input
     */
    public static void backward(Parallel par, Tensor dx, Tensor dout, Tensor x) {
        Shapes.requireSize("Gelu.backward", "dx", dx, x.size());
        Shapes.requireSize("Gelu.backward", "dout", dout, x.size());
        if (par.isSerial()) backwardElements(0, x.size(), dx, dout, x);
        else par.forRange(x.size(), MIN_CHUNK, (from, to) -> backwardElements(from, to, dx, dout, x));
    }

    /** On the calling thread alone. */
    public static void backward(Tensor dx, Tensor dout, Tensor x) {
        backward(Parallel.SERIAL, dx, dout, x);
    }

    /** Elements {@code [from, to)} of {@code dx += dout * gelu'(x)}. */
    static void backwardElements(int from, int to, Tensor dx, Tensor dout, Tensor x) {
        float[] d = dx.data, g = dout.data, xd = x.data;
        for (int i = from; i < to; i++) {
            // in the forward this was: out = 0.5 x (1 + tanh u),  u = sqrt(2/pi) (x + 0.044715 x^3)
            // so now:                  dx += dout * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) du/dx)
            double v = xd[x.offset + i];
            double th = tanh(SQRT_2_OVER_PI * (v + CUBIC * v * v * v));
            double du = SQRT_2_OVER_PI * (1 + 3 * CUBIC * v * v);
            double local = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * du;
            d[dx.offset + i] += (float) (g[dout.offset + i] * local);
        }
    }

    /** tanh through exp, which the JIT compiles to a fast intrinsic; off by about 1e-16, far below float resolution. */
    static double tanh(double u) {
        return 1.0 - 2.0 / (Math.exp(2.0 * u) + 1.0);
    }
}
