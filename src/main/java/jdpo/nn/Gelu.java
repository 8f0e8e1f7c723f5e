package jdpo.nn;

import jdpo.tensor.Tensor;

/**
 * GELU in GPT-2's tanh approximation ("gelu_new"):
 * {@code gelu(x) = 0.5 x (1 + tanh(u))}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)}.
 */
public final class Gelu {
    private Gelu() {}

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double CUBIC = 0.044715;

    /**
     * @param out any shape, overwritten (may be {@code x} itself)
     * @param x   same size as out
     */
    public static void forward(Tensor out, Tensor x) {
        Shapes.requireSize("Gelu.forward", "out", out, x.size());
        float[] o = out.data, xd = x.data;
        for (int i = 0; i < x.size(); i++) {
            double v = xd[x.offset + i];
            double u = SQRT_2_OVER_PI * (v + CUBIC * v * v * v);
            o[out.offset + i] = (float) (0.5 * v * (1 + tanh(u)));
        }
    }

    /**
     * {@code dx += dout * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2))}.
     *
     * @param dx   same size as x, accumulated
     * @param dout same size as x
     * @param x    the forward's input
     */
    public static void backward(Tensor dx, Tensor dout, Tensor x) {
        Shapes.requireSize("Gelu.backward", "dx", dx, x.size());
        Shapes.requireSize("Gelu.backward", "dout", dout, x.size());
        float[] d = dx.data, g = dout.data, xd = x.data;
        for (int i = 0; i < x.size(); i++) {
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
