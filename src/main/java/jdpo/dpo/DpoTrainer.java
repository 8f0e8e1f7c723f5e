package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.optim.GradClip;
import jdpo.optim.LrSchedule;
import jdpo.optim.Optimizer;
import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The DPO training loop: batches of pairs in a seeded order, gradient accumulation, clipping,
 * the learning-rate schedule and the optimizer step, metrics after every step.
 *
 * <p>The order of the pairs in epoch e is a shuffle drawn from {@code seed} and e alone, so a
 * run resumed at step s sees exactly the batches a straight run would.
 *
 * <p>Epochs and accumulation as Hugging Face's Trainer counts them: an epoch of M micro-batches
 * makes {@code ceil(M / gradAccum)} optimizer steps; each takes the next {@code gradAccum}
 * micro-batches of the epoch, the last one only those that are left (its loss divided by how
 * many it took), so no step reaches into the next epoch.
 */
public final class DpoTrainer {

    /** Settings of the loop (the loss lives in {@link DpoStep}). */
    public static final class Settings {
        public int batchSize = 8;
        public int gradAccum = 1;
        /** Optimizer steps; when {@code <= 0}, {@link #epochs} decides. */
        public int maxSteps = 0;
        public double epochs = 1;
        public double lr = 1e-6;
        public double maxGradNorm = 1.0;
        public int warmupSteps = 0;
        /** Warm-up as a fraction of all steps, {@code ceil(ratio * totalSteps)}; used when {@code > 0}. */
        public double warmupRatio = 0;
        public String schedule = "linear";
        public long seed = 42;
    }

    /** Sees each step's metrics; may save a checkpoint. */
    public interface Listener {
        void onStep(int step, StepMetrics metrics) throws IOException;
    }

    private final Gpt2 policy;
    private final DpoStep dpo;
    private final Optimizer optimizer;
    private final List<EncodedPair> pairs;
    private final Settings s;
    private final int padId;
    private final int microPerEpoch;
    private final int stepsPerEpoch;
    private final int totalSteps;
    private final LrSchedule schedule;

    public DpoTrainer(Gpt2 policy, DpoStep dpo, Optimizer optimizer, List<EncodedPair> pairs, int padId, Settings settings) {
        if (pairs.isEmpty()) throw new IllegalArgumentException("no preference pairs to train on");
        if (settings.batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + settings.batchSize);
        if (settings.gradAccum < 1) throw new IllegalArgumentException("gradient accumulation must be at least 1, got " + settings.gradAccum);
        if (!(settings.maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm must be >= 0, got " + settings.maxGradNorm);
        Optimizer.requireLearningRate(settings.lr);
        this.policy = policy;
        this.dpo = dpo;
        this.optimizer = optimizer;
        this.pairs = pairs;
        this.s = settings;
        this.padId = padId;
        this.microPerEpoch = (pairs.size() + settings.batchSize - 1) / settings.batchSize;
        this.stepsPerEpoch = (microPerEpoch + settings.gradAccum - 1) / settings.gradAccum;
        if (settings.maxSteps > 0) {
            totalSteps = settings.maxSteps;
        } else {
            if (!(settings.epochs > 0)) throw new IllegalArgumentException("epochs must be > 0 when no max steps are given");
            totalSteps = Math.max(1, (int) Math.ceil(settings.epochs * stepsPerEpoch));
        }
        this.schedule = LrSchedule.of(settings.schedule, warmupSteps(), totalSteps);
    }

    /** The warm-up in steps: {@code --warmup-ratio} of all steps (rounded up), or {@code --warmup-steps}. */
    public int warmupSteps() {
        return s.warmupRatio > 0 ? (int) Math.ceil(s.warmupRatio * totalSteps) : s.warmupSteps;
    }

    public int totalSteps() {
        return totalSteps;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Pair indices of micro-batch {@code j} of epoch {@code epoch}. */
    int[] microBatch(int epoch, int j) {
        int[] order = epochOrder(epoch);
        int from = j * s.batchSize, to = Math.min(order.length, from + s.batchSize);
        return Arrays.copyOfRange(order, from, to);
    }

    /** The micro-batches of optimizer step {@code step} (from 0): the next gradAccum of its epoch, or those left. */
    int[][] microBatches(int step) {
        int epoch = step / stepsPerEpoch, first = (step % stepsPerEpoch) * s.gradAccum;
        int[][] out = new int[Math.min(s.gradAccum, microPerEpoch - first)][];
        for (int a = 0; a < out.length; a++) out[a] = microBatch(epoch, first + a);
        return out;
    }

    /** Epochs done after step {@code step} (from 0), as the Trainer logs them: epoch + micro-batches done / M. */
    private double epochAfter(int step) {
        int epoch = step / stepsPerEpoch, end = Math.min(microPerEpoch, (step % stepsPerEpoch + 1) * s.gradAccum);
        return epoch + (double) end / microPerEpoch;
    }

    private int[] epochOrder(int epoch) {
        int n = pairs.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        new Rng(s.seed * 0x9E3779B97F4A7C15L + epoch).shuffle(order);
        return order;
    }

    /**
     * Trains from optimizer step {@code startStep} (0 for a fresh run; the saved step when
     * resuming) to {@link #totalSteps()}.
     */
    public void train(int startStep, Listener listener) throws IOException {
        train(startStep, totalSteps, listener);
    }

    /**
     * Trains from optimizer step {@code startStep} up to {@code endStep} (at most
     * {@link #totalSteps()}), as part of a run of {@link #totalSteps()} steps: the learning-rate
     * schedule and the data order are those of the whole run, so stopping at {@code endStep} and
     * training on from there later gives the same steps as one call.
     */
    public void train(int startStep, int endStep, Listener listener) throws IOException {
        if (endStep > totalSteps) throw new IllegalArgumentException("end step " + endStep + " is past the run's " + totalSteps);
        List<Parameter> params = policy.parameters();
        long trainedTokens = tokensBefore(startStep);
        for (int step = startStep; step < endStep; step++) {
            long t0 = System.nanoTime();
            policy.zeroGrad();
            StepMetrics.Accumulator acc = new StepMetrics.Accumulator();
            int[][] micro = microBatches(step);
            for (int[] ids : micro) {
                PreferenceBatch batch = batchOf(ids);
                DpoStep.Result r = dpo.run(batch, ids, true, 1.0 / micro.length);
                if (!Double.isFinite(r.totalLoss)) {
                    throw new NonFiniteException("step " + (step + 1) + ": the loss is " + r.totalLoss + "; training stopped");
                }
                acc.add(r);
            }
            double gradNorm = GradClip.clip(params, s.maxGradNorm);
            if (!Double.isFinite(gradNorm)) {
                throw new NonFiniteException("step " + (step + 1) + ": the gradient norm is " + gradNorm + "; training stopped");
            }
            double lr = schedule.lr(s.lr, step);
            optimizer.step(params, lr);
            double seconds = (System.nanoTime() - t0) / 1e9;
            trainedTokens += acc.tokens();
            StepMetrics m = acc.into(new StepMetrics(), "")
                    .put("num_tokens", trainedTokens)
                    .put("grad_norm", gradNorm)
                    .put("learning_rate", lr)
                    .put("step", step + 1)
                    .put("epoch", epochAfter(step))
                    .put("step_time_s", seconds)
                    .put("tokens_per_s", acc.tokens() / seconds);
            listener.onStep(step + 1, m);
        }
    }

    /**
     * Prompt and response tokens in the steps before {@code step} (for a resumed run's
     * num_tokens): every whole epoch holds each pair once, so only the last, partial epoch needs
     * its order.
     */
    private long tokensBefore(int step) {
        long all = 0;
        for (EncodedPair p : pairs) all += p.tokens();
        int epochs = step / stepsPerEpoch, micro = (step % stepsPerEpoch) * s.gradAccum;
        long n = epochs * all;
        int[] order = epochOrder(epochs);
        for (int i = 0; i < Math.min(order.length, micro * s.batchSize); i++) n += pairs.get(order[i]).tokens();
        return n;
    }

    PreferenceBatch batchOf(int[] ids) {
        List<EncodedPair> list = new ArrayList<>(ids.length);
        for (int i : ids) list.add(pairs.get(i));
        return new PreferenceBatch(list, padId);
    }

    /**
     * Metrics of {@code dpo} over {@code evalPairs} in batches of {@code batchSize} (no
     * gradients), names prefixed {@code eval_}, as TRL's evaluate() reports them:
     * {@code eval_loss} is the mean over pairs (the Trainer weights each batch's loss by its
     * rows, which matters when the last batch is short), the other metrics are means of the
     * batches' means.
     */
    public static StepMetrics evaluate(DpoStep dpo, List<EncodedPair> evalPairs, int batchSize, int padId) {
        StepMetrics.Accumulator acc = new StepMetrics.Accumulator();
        double lossTimesPairs = 0;
        for (int from = 0; from < evalPairs.size(); from += batchSize) {
            int to = Math.min(evalPairs.size(), from + batchSize);
            int[] ids = new int[to - from];
            for (int i = 0; i < ids.length; i++) ids[i] = from + i;
            DpoStep.Result r = dpo.run(new PreferenceBatch(evalPairs.subList(from, to), padId), ids, false, 0);
            acc.add(r);
            lossTimesPairs += r.totalLoss * ids.length;
        }
        return acc.into(new StepMetrics(), "eval_").put("eval_loss", lossTimesPairs / evalPairs.size());
    }
}
