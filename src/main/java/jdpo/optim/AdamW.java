package jdpo.optim;

import jdpo.tensor.Parallel;
import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW} computes it. At step t, for
 * each element of a parameter {@code p} with gradient {@code g}:
 * <pre>
 *   p &lt;- p (1 - lr wd)                       only for parameters marked for weight decay
 *   m &lt;- beta1 m + (1 - beta1) g
 *   v &lt;- beta2 v + (1 - beta2) g^2
 *   p &lt;- p - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The moments {@code m}, {@code v} are float32 tensors shaped like the parameter, and the
 * element-wise arithmetic is done in float in PyTorch's order, so weights agree with PyTorch's
 * to a few float roundings; the bias corrections are computed in double, as Python does.
 */
public final class AdamW implements Optimizer {
    /** Name prefix of the first moments in {@link #state()}: {@code exp_avg.<parameter>}. */
    public static final String EXP_AVG = "exp_avg.";
    /** Name prefix of the second moments in {@link #state()}: {@code exp_avg_sq.<parameter>}. */
    public static final String EXP_AVG_SQ = "exp_avg_sq.";

    private record Moments(Tensor m, Tensor v) {}

    private final double beta1, beta2, eps, weightDecay;
    private final Parallel parallel;
    private final Map<String, Moments> moments = new LinkedHashMap<>();
    private int steps;

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8; single-threaded. */
    public AdamW(double weightDecay) {
        this(0.9, 0.999, 1e-8, weightDecay, Parallel.SERIAL);
    }

    /** Single-threaded. */
    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        this(beta1, beta2, eps, weightDecay, Parallel.SERIAL);
    }

    /**
     * @param beta1       decay of the first moment, in [0, 1)
     * @param beta2       decay of the second moment, in [0, 1)
     * @param eps         added to the denominator, {@code >= 0}
     * @param weightDecay decoupled decay rate {@code wd >= 0} for parameters marked for it
     * @param parallel    threads for the element-wise update; the result does not depend on them
     */
    public AdamW(double beta1, double beta2, double eps, double weightDecay, Parallel parallel) {
        requireIn("adam beta1", beta1, 0, 1);
        requireIn("adam beta2", beta2, 0, 1);
        if (!(eps >= 0) || !Double.isFinite(eps)) throw new IllegalArgumentException("adam eps must be a finite number >= 0, got " + eps);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be a finite number >= 0, got " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.parallel = parallel;
    }

    private static void requireIn(String what, double x, double lo, double hi) {
        if (!(x >= lo && x < hi)) throw new IllegalArgumentException(what + " must be in [" + lo + ", " + hi + "), got " + x);
    }

    public double beta1() { return beta1; }

    public double beta2() { return beta2; }

    public double eps() { return eps; }

    public double weightDecay() { return weightDecay; }

    @Override
    public String name() { return "adamw"; }

    @Override
    public int steps() { return steps; }

    @Override
    public void step(List<Parameter> params, double lr) {
        Optimizer.requireLearningRate(lr);
        // Find every parameter's moments before changing anything, so a bad state leaves the weights as they were.
        List<Moments> found = new ArrayList<>(params.size());
        Set<String> seen = new HashSet<>();
        for (Parameter p : params) {
            if (!seen.add(p.name)) throw new IllegalArgumentException("parameter '" + p.name + "' is listed twice");
            found.add(momentsFor(p));
        }
        int t = steps + 1;
        double stepSize = lr / (1 - Math.pow(beta1, t));
        float negStepSize = (float) -stepSize;
        float biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, t));
        float b1 = (float) beta1, c1 = (float) (1 - beta1), b2 = (float) beta2, c2 = (float) (1 - beta2);
        float epsF = (float) eps;
        for (int k = 0; k < params.size(); k++) {
            Parameter p = params.get(k);
            Moments mv = found.get(k);
            float decay = p.weightDecay ? (float) (1 - lr * weightDecay) : 1f;
            Update u = new Update(p.value, p.grad, mv, decay, b1, c1, b2, c2, negStepSize, biasCorrection2Sqrt, epsF);
            if (parallel.isSerial()) updateElements(0, p.value.size(), u);
            else parallel.forRange(p.value.size(), 1 << 14, (from, to) -> updateElements(from, to, u));
        }
        steps = t;
    }

    /** One parameter's step: its tensors and this step's constants, in float as PyTorch has them. */
    private record Update(Tensor value, Tensor grad, Moments moments, float decay, float b1, float c1, float b2, float c2,
                          float negStepSize, float biasCorrection2Sqrt, float eps) {}

    /** The update of the class comment for elements {@code [from, to)} of one parameter. */
    private static void updateElements(int from, int to, Update u) {
        float[] w = u.value.data, g = u.grad.data, m = u.moments.m.data, v = u.moments.v.data;
        int wo = u.value.offset, go = u.grad.offset;
        for (int i = from; i < to; i++) {
            float gi = g[go + i];
            // PyTorch's CPU kernels for add_(alpha=) and addcmul_ end in a fused multiply-add.
            m[i] = Math.fma(u.c1, gi, m[i] * u.b1);
            v[i] = Math.fma(u.c2 * gi, gi, v[i] * u.b2);
            float denom = (float) Math.sqrt(v[i]) / u.biasCorrection2Sqrt + u.eps;
            w[wo + i] = w[wo + i] * u.decay + u.negStepSize * m[i] / denom;
        }
    }

    private Moments momentsFor(Parameter p) {
        Moments mv = moments.get(p.name);
        if (mv == null) {
            if (steps > 0) {
                throw new IllegalStateException("no AdamW moments for parameter '" + p.name + "' after " + steps
                        + " steps; the optimizer state belongs to other parameters");
            }
            // Fresh moments own their arrays, starting at offset 0.
            mv = new Moments(Tensor.zeros(p.value.shape()), Tensor.zeros(p.value.shape()));
            moments.put(p.name, mv);
        } else if (!mv.m.sameShape(p.value)) {
            throw new IllegalStateException("AdamW moments of '" + p.name + "' have shape "
                    + Arrays.toString(mv.m.shape()) + ", the parameter " + Arrays.toString(p.value.shape()));
        }
        return mv;
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Moments> e : moments.entrySet()) {
            out.put(EXP_AVG + e.getKey(), e.getValue().m);
            out.put(EXP_AVG_SQ + e.getKey(), e.getValue().v);
        }
        return out;
    }

    @Override
    public void loadState(Map<String, Tensor> state, int steps) {
        if (steps < 0) throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        Map<String, Tensor> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(EXP_AVG_SQ)) second.put(key.substring(EXP_AVG_SQ.length()), e.getValue());
            else if (key.startsWith(EXP_AVG)) first.put(key.substring(EXP_AVG.length()), e.getValue());
            else throw new IllegalArgumentException("'" + key + "' is not an AdamW state tensor (expected "
                        + EXP_AVG + "<name> or " + EXP_AVG_SQ + "<name>)");
        }
        Map<String, Moments> loaded = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : first.entrySet()) {
            Tensor v = second.get(e.getKey());
            if (v == null) throw new IllegalArgumentException("AdamW state has " + EXP_AVG + e.getKey() + " but no " + EXP_AVG_SQ + e.getKey());
            if (!v.sameShape(e.getValue())) {
                throw new IllegalArgumentException("AdamW state of '" + e.getKey() + "': " + EXP_AVG + " and " + EXP_AVG_SQ + " differ in shape");
            }
            loaded.put(e.getKey(), new Moments(e.getValue().copy(), v.copy()));
        }
        for (String name : second.keySet()) {
            if (!first.containsKey(name)) throw new IllegalArgumentException("AdamW state has " + EXP_AVG_SQ + name + " but no " + EXP_AVG + name);
        }
        moments.clear();
        moments.putAll(loaded);
        this.steps = steps;
    }
}
