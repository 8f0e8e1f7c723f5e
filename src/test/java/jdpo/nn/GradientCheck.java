package jdpo.nn;

import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks an analytic gradient against finite differences of a float32 computation.
 *
 * <p><b>The scalar.</b> An op's output is turned into one number by a fixed random projection
 * {@code L = sum_i out_i * R_i} ({@link #project}), summed in double; the analytic side runs
 * the backward with {@code dout = R}. A random R reaches every output with a different weight,
 * so no error can cancel out, and summing in double adds no rounding of its own.
 *
 * <p><b>The difference.</b> Each input element is moved by {@code +-h, +-2h} in place (then
 * restored bit for bit) and the derivative is the fourth-order central difference
 * {@code (L(-2h) - 8 L(-h) + 8 L(h) - L(2h)) / 12h}, whose truncation error is
 * {@code h^4 f^(5) / 30}: about 5e-9 f^(5) for the default h = 0.02. That lets h be large, and a
 * large h is what float32 needs: outputs that do not depend on the moved element are recomputed
 * bit-identically and cancel exactly, while those that do carry a rounding error of a few 2^-24
 * relative each, which the difference divides by h. The steps are taken on the float value
 * actually stored, so the spacing is exact up to one float rounding of x +- h (relative error
 * below 1e-5 in the derivative).
 *
 * <p><b>The verdict.</b> Element i passes when
 * {@code |analytic_i - numeric_i| <= rtol * (|numeric_i| + rms(numeric)) + atol}. The rms term
 * keeps elements whose true gradient is near 0 from demanding relative accuracy that float
 * cannot give. With rtol = 1e-3, every op's test uses at most 0.1 of that tolerance over all
 * its cases (run with {@code -Djdpo.gradcheck.report=true} to see the ratios), while a real bug
 * (a missing term, a wrong scale or index) is off by O(1) relative, and {@link
 * GradientCheckTest} shows that even one element off by 1% fails. atol only covers gradients
 * that are exactly zero everywhere.
 */
public final class GradientCheck {
    private GradientCheck() {}

    /** {@code -Djdpo.gradcheck.report=true} prints every check's worst error/tolerance ratio. */
    private static final boolean REPORT = Boolean.getBoolean("jdpo.gradcheck.report");

    /**
     * Step and tolerances of one check.
     *
     * @param step the finite-difference step h, in the input's units
     * @param rtol relative tolerance against {@code |numeric_i| + rms(numeric)}
     * @param atol absolute slack, for tensors whose gradient is 0
     */
    public record Settings(double step, double rtol, double atol) {
        /** For the nn ops: inputs and outputs of order 1. */
        public static final Settings OPS = new Settings(2e-2, 1e-3, 1e-6);

        /**
         * For functions of logits only (softmax, log-softmax, token log-probs, cross-entropy):
         * every derivative of log-sum-exp is a polynomial in the probabilities, bounded by a small
         * constant whatever the logits, so h = 0.1 truncates by at most about h^4/30 = 3e-6, while
         * it divides the float noise of outputs such as a log-prob near -5 by five.
         */
        public static final Settings LOGITS = new Settings(1e-1, 1e-3, 1e-6);

        public Settings withStep(double h) { return new Settings(h, rtol, atol); }

        public Settings withRtol(double r) { return new Settings(step, r, atol); }
    }

    /** {@code sum_i out_i * r_i} in double. */
    public static double project(Tensor out, Tensor r) {
        if (out.size() != r.size()) throw new IllegalArgumentException("projection of " + out + " onto " + r);
        double s = 0;
        for (int i = 0; i < out.size(); i++) s += (double) out.data[out.offset + i] * r.data[r.offset + i];
        return s;
    }

    /** {@code sum_i out_i * r_i} in double. */
    public static double project(float[] out, float[] r) {
        return project(Tensor.of(out, out.length), Tensor.of(r, r.length));
    }

    /** The gradient a backward accumulated: {@code after - before}, element by element, in double. */
    public static double[] accumulated(Tensor after, Tensor before) {
        if (after.size() != before.size()) throw new IllegalArgumentException(after + " vs " + before);
        double[] g = new double[after.size()];
        for (int i = 0; i < g.length; i++) g[i] = (double) after.at(i) - before.at(i);
        return g;
    }

    /** The elements of a tensor, in double. */
    public static double[] values(Tensor t) {
        double[] g = new double[t.size()];
        for (int i = 0; i < g.length; i++) g[i] = t.at(i);
        return g;
    }

    /** dL/dx_i by the fourth-order central difference; x is restored afterwards. */
    public static double partial(DoubleSupplier loss, Tensor x, int i, double h) {
        int at = x.offset + i;
        float x0 = x.data[at];
        float m2 = (float) (x0 - 2 * h), m1 = (float) (x0 - h), p1 = (float) (x0 + h), p2 = (float) (x0 + 2 * h);
        try {
            x.data[at] = m2;
            double lm2 = loss.getAsDouble();
            x.data[at] = m1;
            double lm1 = loss.getAsDouble();
            x.data[at] = p1;
            double lp1 = loss.getAsDouble();
            x.data[at] = p2;
            double lp2 = loss.getAsDouble();
            // The stencil assumes equal spacing; use the spacing the floats really have.
            double step = ((double) p2 - m2) / 4;
            return (lm2 - 8 * lm1 + 8 * lp1 - lp2) / (12 * step);
        } finally {
            x.data[at] = x0;
        }
    }

    /** The whole numeric gradient of {@code loss} with respect to {@code x}. */
    public static double[] numeric(DoubleSupplier loss, Tensor x, double h) {
        double[] g = new double[x.size()];
        for (int i = 0; i < g.length; i++) g[i] = partial(loss, x, i, h);
        return g;
    }

    /** Checks every element of {@code x}; returns the worst error as a fraction of its tolerance. */
    public static double check(String name, DoubleSupplier loss, Tensor x, double[] analytic, Settings s) {
        int[] all = new int[x.size()];
        Arrays.setAll(all, i -> i);
        return check(name, loss, x, analytic, s, all);
    }

    /** {@link #check(String, DoubleSupplier, Tensor, double[], Settings)} with a tensor gradient. */
    public static double check(String name, DoubleSupplier loss, Tensor x, Tensor analytic, Settings s) {
        return check(name, loss, x, values(analytic), s);
    }

    /**
     * Checks {@code samples} elements of {@code x} drawn by {@code rng} (all of them when x is
     * smaller), for tensors too large to difference whole.
     */
    public static double checkSampled(String name, DoubleSupplier loss, Tensor x, double[] analytic, Settings s,
                                      Rng rng, int samples) {
        if (samples >= x.size()) return check(name, loss, x, analytic, s);
        int[] picked = new int[samples];
        for (int j = 0; j < samples; j++) picked[j] = rng.nextInt(x.size());
        return check(name, loss, x, analytic, s, picked);
    }

    private static double check(String name, DoubleSupplier loss, Tensor x, double[] analytic, Settings s, int[] idx) {
        if (analytic.length != x.size()) {
            fail(name + ": analytic gradient has " + analytic.length + " elements for " + x);
        }
        double[] num = new double[idx.length];
        double sq = 0;
        for (int j = 0; j < idx.length; j++) {
            num[j] = partial(loss, x, idx[j], s.step());
            sq += num[j] * num[j];
        }
        double rms = idx.length == 0 ? 0 : Math.sqrt(sq / idx.length);
        double worst = 0;
        int worstJ = -1, failures = 0;
        for (int j = 0; j < idx.length; j++) {
            double a = analytic[idx[j]];
            double tol = s.rtol() * (Math.abs(num[j]) + rms) + s.atol();
            double ratio = Math.abs(a - num[j]) / tol;
            if (!(ratio <= 1)) failures++; // NaN fails too
            if (!(ratio <= worst)) {
                worst = ratio;
                worstJ = j;
            }
        }
        if (REPORT) System.out.printf("gradcheck %s %s worst=%.4f%n", name, Arrays.toString(x.shape()), worst);
        if (failures > 0) {
            int i = idx[worstJ];
            fail(String.format("%s %s: %d of %d elements off; worst at %s: analytic %.8g, numeric %.8g, "
                            + "|diff| %.3g > tol %.3g (rms of numeric %.3g)",
                    name, Arrays.toString(x.shape()), failures, idx.length, Arrays.toString(unflatten(i, x.shape())),
                    analytic[i], num[worstJ], Math.abs(analytic[i] - num[worstJ]),
                    s.rtol() * (Math.abs(num[worstJ]) + rms) + s.atol(), rms));
        }
        return worst;
    }

    private static int[] unflatten(int i, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % shape[d];
            i /= shape[d];
        }
        return idx;
    }
}
