package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Config;
import jdpo.gpt2.Gpt2Params;
import jdpo.gpt2.LinearAdapters;
import jdpo.nn.Attention;
import jdpo.optim.AdamW;
import jdpo.optim.GradClip;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import jdpo.tensor.TimedKernels;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Times one full DPO training step on random weights and random tokens: policy forward over
 * the chosen and rejected rows, reference forward, loss, backward, AdamW. The numbers are
 * those of {@code jdpo train}: the same {@link DpoStep}, the same optimizer. With adapters
 * (LoRA), only they train, and the reference shares the policy's frozen weights, as in
 * {@code jdpo train --lora-r}.
 */
public final class StepBenchmark {
    private StepBenchmark() {}

    /**
     * Seconds per step, split by phase, averaged over the timed steps; {@code liveHeapBytes} is
     * what the heap holds after a full collection at the end of the last step (weights, reference,
     * gradients, optimizer moments, activations): the heap a run needs, give or take the
     * short-lived arrays of one step.
     */
    public record Result(String config, int pairs, int seqLen, String kernels, int threads, double seconds,
                         double policyForward, double referenceForward, double loss, double backward, double optimizer,
                         double tokensPerS, long liveHeapBytes, double productSeconds, double productFlops,
                         double attentionSeconds) {

        /** What is neither a matrix product nor attention: layernorm, GELU, the log-softmax of the LM head, the loss, AdamW, copies. */
        public double restSeconds() {
            return seconds - productSeconds - attentionSeconds;
        }
    }

    /** "gpt2": GPT-2 124M shapes; "tiny": the demo model's shapes. */
    public static Gpt2Config config(String name) {
        switch (name) {
            case "gpt2":
                return new Gpt2Config(12, 12, 768, 1024, 50257, 1e-5f, 50256, 50256);
            case "tiny":
                return new Gpt2Config(4, 4, 128, 64, 1024, 1e-5f, 1023, 1023);
            default:
                throw new IllegalArgumentException("unknown config '" + name + "'; valid: gpt2, tiny");
        }
    }

    public static Result run(String configName, int pairs, int seqLen, Kernels untimed, int warmup, int timed,
                             Consumer<String> progress) {
        return run(configName, pairs, seqLen, untimed, warmup, timed, null, progress);
    }

    /** @param adapters LoRA adapters for {@link #config}'s shapes to train instead of every weight, or null */
    public static Result run(String configName, int pairs, int seqLen, Kernels untimed, int warmup, int timed,
                             LinearAdapters adapters, Consumer<String> progress) {
        TimedKernels kernels = new TimedKernels(untimed);
        Gpt2Config c = config(configName);
        if (seqLen < 2 || seqLen > c.nPositions) {
            throw new IllegalArgumentException("sequence length must be in [2, " + c.nPositions + "], got " + seqLen);
        }
        Rng rng = new Rng(7);
        progress.accept("initializing " + c);
        Gpt2Params params = new Gpt2Params(c).initialize(rng);
        Gpt2 policy = adapters == null ? Gpt2.trainable(params, kernels) : Gpt2.withAdapters(params, adapters, kernels);
        Reference reference = new ModelReference(adapters == null ? params.copy() : params, kernels, false, "reference");
        DpoStep step = new DpoStep(policy, reference, DpoLoss.standard(0.1), false, null);
        AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, kernels.parallel());
        List<EncodedPair> batch = new ArrayList<>();
        int prompt = seqLen / 2;
        for (int i = 0; i < pairs; i++) {
            batch.add(new EncodedPair(randomIds(rng, prompt, c), responseIds(rng, seqLen - prompt, c), responseIds(rng, seqLen - prompt, c), false));
        }
        PreferenceBatch b = new PreferenceBatch(batch, c.eosTokenId);
        int[] ids = new int[pairs];
        for (int i = 0; i < pairs; i++) ids[i] = i;
        List<Parameter> trainable = policy.parameters();
        PhaseTimes t = new PhaseTimes();
        double optimizer = 0, total = 0;
        for (int s = 0; s < warmup + timed; s++) {
            boolean measured = s >= warmup;
            if (s == warmup) kernels.reset();
            progress.accept((measured ? "timed step " + (s - warmup + 1) + "/" + timed : "warm-up step " + (s + 1) + "/" + warmup));
            long t0 = System.nanoTime();
            policy.zeroGrad();
            if (measured) t.run(step, b, ids);
            else step.run(b, ids, true, 1.0);
            GradClip.clip(trainable, 1.0);
            long t1 = System.nanoTime();
            adamw.step(trainable, 1e-6);
            long t2 = System.nanoTime();
            if (measured) {
                optimizer += (t2 - t1) / 1e9;
                total += (t2 - t0) / 1e9;
            }
        }
        long live = liveHeapBytes();
        // Everything the run holds must still be reachable while the heap is measured.
        java.lang.ref.Reference.reachabilityFence(new Object[] {policy, reference, step, adamw, b});
        progress.accept("attention alone, at the step's shapes");
        // through the same kernels object as the step: another class at Attention's call sites
        // would make the JIT recompile them, and time that instead
        double attention = attentionSeconds(c, 2 * pairs, seqLen, kernels, rng);
        return new Result(configName, pairs, seqLen, kernels.name(), kernels.parallel().threads(), total / timed,
                t.policyForward / timed, t.referenceForward / timed, t.loss / timed, t.backward / timed, optimizer / timed,
                2.0 * pairs * seqLen * timed / total, live, kernels.seconds() / timed, kernels.flops() / timed, attention);
    }

    /** Heap in use after full collections (two, as one may leave objects its finalization freed). */
    private static long liveHeapBytes() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /**
     * Seconds of the attention of one step, timed on its own: per layer, the policy's and the
     * reference's forward and the policy's backward, on random q, k and v of the step's shape.
     */
    static double attentionSeconds(Gpt2Config c, int rows, int seqLen, Kernels kernels, Rng rng) {
        Tensor qkv = Tensor.randn(rng, 1f, rows, seqLen, 3 * c.nEmbd), dqkv = Tensor.zeros(rows, seqLen, 3 * c.nEmbd);
        Tensor out = Tensor.zeros(rows, seqLen, c.nEmbd), dout = Tensor.randn(rng, 1f, rows, seqLen, c.nEmbd);
        Tensor att = Tensor.zeros(rows, c.nHead, seqLen, seqLen);
        long t0 = System.nanoTime();
        for (int layer = 0; layer < c.nLayer; layer++) {
            Attention.forward(kernels, out, att, qkv, c.nHead);
            Attention.forward(kernels, out, att, qkv, c.nHead);
            Attention.backward(kernels, dqkv, dout, qkv, att, c.nHead);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * The five calls of {@link DpoStep#run} with a clock read between them; the seconds of each
     * phase are summed over the steps run. The loss phase holds the metrics too.
     */
    static final class PhaseTimes {
        double policyForward, referenceForward, loss, backward;

        void run(DpoStep step, PreferenceBatch batch, int[] pairIds) {
            long t0 = System.nanoTime();
            DpoStep.PairLogps policyLogps = step.policyLogps(batch);
            long t1 = System.nanoTime();
            DpoStep.PairLogps referenceLogps = step.referenceLogps(batch, pairIds);
            long t2 = System.nanoTime();
            DpoStep.StepLoss stepLoss = step.loss(batch, policyLogps, referenceLogps);
            step.metrics(batch);
            long t3 = System.nanoTime();
            step.backward(batch, stepLoss, 1.0);
            long t4 = System.nanoTime();
            policyForward += (t1 - t0) / 1e9;
            referenceForward += (t2 - t1) / 1e9;
            loss += (t3 - t2) / 1e9;
            backward += (t4 - t3) / 1e9;
        }
    }

    private static int[] randomIds(Rng rng, int n, Gpt2Config c) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rng.nextInt(c.vocabSize - 1);
        return ids;
    }

    private static int[] responseIds(Rng rng, int n, Gpt2Config c) {
        int[] ids = randomIds(rng, n, c);
        ids[n - 1] = c.eosTokenId;
        return ids;
    }
}
