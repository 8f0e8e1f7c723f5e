package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.nn.CrossEntropy;
import jdpo.nn.TokenLogProbs;
import jdpo.optim.GradClip;
import jdpo.optim.LrSchedule;
import jdpo.optim.Optimizer;
import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Supervised fine-tuning: next-token cross-entropy on plain text, the way a base model learns
 * its language before any preference training. Each text becomes one row
 * {@code [eos] ++ ids(text) ++ [eos]} (GPT-2 starts documents after {@code <|endoftext|>}), and
 * every token after the first is predicted from those before it.
 *
 * <p>It uses the same forward and backward as DPO; only the loss differs.
 */
public final class SftTrainer {

    /** Settings of the loop. */
    public static final class Settings {
        public int batchSize = 32;
        public int steps = 1000;
        public double lr = 1e-3;
        public double maxGradNorm = 1.0;
        public int warmupSteps = 50;
        public String schedule = "cosine";
        public long seed = 1;
    }

    /** Sees every step's loss. */
    public interface Listener {
        void onStep(int step, double loss, double lr, double gradNorm, int tokens, double seconds) throws IOException;
    }

    private final Gpt2 model;
    private final Optimizer optimizer;
    private final List<int[]> rows;
    private final int eos;
    private final Settings s;

    /**
     * @param texts token ids of each text (without eos); longer ones are cut to the context
     */
    public SftTrainer(Gpt2 model, Optimizer optimizer, List<int[]> texts, int eos, Settings settings) {
        if (texts.isEmpty()) throw new IllegalArgumentException("no texts to train on");
        this.model = model;
        this.optimizer = optimizer;
        this.eos = eos;
        this.s = settings;
        this.rows = texts.stream().map(ids -> row(ids, eos, model.config.nPositions)).toList();
    }

    /** {@code [eos] ++ ids ++ [eos]}, cut to {@code maxT} tokens. */
    static int[] row(int[] ids, int eos, int maxT) {
        int[] row = new int[Math.min(maxT, ids.length + 2)];
        row[0] = eos;
        System.arraycopy(ids, 0, row, 1, Math.min(ids.length, row.length - 1));
        if (ids.length + 2 <= maxT) row[row.length - 1] = eos;
        return row;
    }

    /** Trains {@code settings.steps} steps on batches drawn at random (from the random seed) from the texts. */
    public void train(Listener listener) throws IOException {
        Rng rng = new Rng(s.seed);
        List<Parameter> params = model.parameters();
        LrSchedule schedule = LrSchedule.of(s.schedule, s.warmupSteps, s.steps);
        for (int step = 0; step < s.steps; step++) {
            long t0 = System.nanoTime();
            int B = Math.min(s.batchSize, rows.size()), T = 0;
            int[][] batch = new int[B][];
            for (int b = 0; b < B; b++) {
                batch[b] = rows.get(rng.nextInt(rows.size()));
                T = Math.max(T, batch[b].length);
            }
            int[] ids = new int[B * T], targets = new int[B * T];
            Arrays.fill(ids, eos);
            Arrays.fill(targets, -1);
            int tokens = 0;
            for (int b = 0; b < B; b++) {
                int[] row = batch[b];
                System.arraycopy(row, 0, ids, b * T, row.length);
                TokenLogProbs.nextTokenTargets(ids, targets, b * T, b * T + row.length);
                tokens += row.length;
            }
            model.zeroGrad();
            Tensor logits = model.forward(ids, B, T);
            double loss = CrossEntropy.forward(model.kernels(), logits, targets);
            CrossEntropy.backward(model.kernels(), model.logitsGrad(), logits, targets, 1f);
            model.backward();
            double norm = GradClip.clip(params, s.maxGradNorm);
            if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                throw new NonFiniteException("step " + (step + 1) + ": loss " + loss + ", gradient norm " + norm + "; training stopped");
            }
            double lr = schedule.lr(s.lr, step);
            optimizer.step(params, lr);
            listener.onStep(step + 1, loss, lr, norm, tokens, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Mean next-token cross-entropy over {@code texts} (no gradients), in batches. */
    public static double evaluate(Gpt2 model, List<int[]> texts, int eos, int batchSize) {
        double sum = 0;
        long n = 0;
        int maxT = model.config.nPositions;
        for (int from = 0; from < texts.size(); from += batchSize) {
            int to = Math.min(texts.size(), from + batchSize), B = to - from, T = 0;
            int[][] rows = new int[B][];
            for (int b = 0; b < B; b++) {
                rows[b] = row(texts.get(from + b), eos, maxT);
                T = Math.max(T, rows[b].length);
            }
            int[] ids = new int[B * T], targets = new int[B * T];
            Arrays.fill(ids, eos);
            Arrays.fill(targets, -1);
            int count = 0;
            for (int b = 0; b < B; b++) {
                System.arraycopy(rows[b], 0, ids, b * T, rows[b].length);
                TokenLogProbs.nextTokenTargets(ids, targets, b * T, b * T + rows[b].length);
                count += Math.max(0, rows[b].length - 1);
            }
            sum += CrossEntropy.forward(model.kernels(), model.forward(ids, B, T), targets) * count;
            n += count;
        }
        return n == 0 ? 0 : sum / n;
    }
}
