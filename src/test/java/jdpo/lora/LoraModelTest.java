package jdpo.lora;

import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Config;
import jdpo.gpt2.Gpt2Params;
import jdpo.nn.GradientCheck;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A GPT-2 with LoRA adapters: what it computes, what trains, and the switch that gives back the base model. */
class LoraModelTest {
    private static final Kernels K = Kernels.of("scalar", Parallel.SERIAL);

    /** A small random model (C >= 4: a LayerNorm over 2 features outputs only +-1, and no gradient passes) with weights large enough that every op works away from its linear regime. */
    private static Gpt2Params randomModel(Rng rng, int nLayer, int nHead, int C, int V) {
        Gpt2Params p = new Gpt2Params(new Gpt2Config(nLayer, nHead, C, 8, V, 1e-5f, V - 1, V - 1));
        for (int i = 0; i < p.all.size(); i++) p.all.put(i, (float) (rng.nextGaussian() * 0.5));
        for (Gpt2Params.Block b : p.h) {
            for (Tensor t : new Tensor[] {b.ln1Weight, b.ln2Weight}) t.fill(1f);
        }
        p.lnFWeight.fill(1f);
        return p;
    }

    private static LoraWeights randomAdapters(Rng rng, Gpt2Config c, int r, List<String> targets) {
        LoraWeights w = new LoraWeights(c, LoraConfig.of(r, 2 * r, targets)).initialize(rng);
        for (int i = 0; i < w.all.size(); i++) w.all.put(i, (float) (rng.nextGaussian() * 0.3));
        return w;
    }

    @TestFactory
    List<DynamicTest> adapterGradientsThroughTheWholeModelMatchFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        Rng gen = new Rng(2026);
        List<List<String>> targets = List.of(List.of("c_attn"), List.of("c_attn", "c_proj", "c_fc"), List.of("mlp.c_proj"), List.of("attn.c_proj", "c_fc"));
        for (int c = 0; c < targets.size(); c++) {
            int nHead = gen.nextInt(1, 2), C = nHead * gen.nextInt(4, 6), V = gen.nextInt(5, 13), T = gen.nextInt(2, 5), B = gen.nextInt(1, 2);
            int r = gen.nextInt(1, 3), nLayer = gen.nextInt(1, 2);
            long seed = gen.nextLong();
            List<String> t = targets.get(c);
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " targets=" + t + " r=" + r + " layers=" + nLayer + " C=" + C
                    + " B=" + B + " T=" + T, () -> checkGradients(seed, nLayer, nHead, C, V, B, T, r, t)));
        }
        return tests;
    }

    /**
     * Through a whole float32 model the loss carries rounding noise of a few 1e-7 relative, which
     * the difference divides by h, and the model's curvature makes the truncation grow as h^4: at
     * h = 5e-3 both stay within 1% of the gradient's scale (Gpt2GradientTest allows 2%), while a
     * wrong scale or a missing term is off by O(1).
     */
    private static final GradientCheck.Settings WHOLE_MODEL = new GradientCheck.Settings(5e-3, 1e-2, 1e-6);

    private static void checkGradients(long seed, int nLayer, int nHead, int C, int V, int B, int T, int r, List<String> targets) {
        Rng rng = new Rng(seed);
        Gpt2Params base = randomModel(rng, nLayer, nHead, C, V);
        LoraLayers lora = new LoraLayers(randomAdapters(rng, base.config, r, targets), true);
        Gpt2 model = Gpt2.withAdapters(base, lora, K);
        int[] ids = new int[B * T];
        for (int i = 0; i < ids.length; i++) ids[i] = rng.nextInt(V);
        float[] baseBefore = base.all.toArray();
        // The gradients start non-zero: the backward must add to them.
        Tensor seeded = Tensor.randn(rng, 1f, lora.grads().all.size());
        lora.grads().all.copyFrom(seeded);
        // The loss is a fixed random projection of the logits (see GradientCheck): its gradient is R.
        Tensor projection = Tensor.randn(rng, 1f, B, T, V);
        model.forward(ids, B, T);
        model.logitsGrad().copyFrom(projection);
        model.backward();
        assertArrayEquals(baseBefore, base.all.toArray(), "the base weights do not change");
        double[] analytic = GradientCheck.accumulated(lora.grads().all, seeded);
        GradientCheck.check("adapters", () -> GradientCheck.project(model.forward(ids, B, T), projection), lora.weights.all, analytic,
                WHOLE_MODEL);
    }

    @Test
    void onlyTheAdaptersTrainAndTheBaseHasNoGradients() {
        Rng rng = new Rng(1);
        Gpt2Params base = randomModel(rng, 2, 2, 8, 11);
        LoraLayers lora = new LoraLayers(randomAdapters(rng, base.config, 2, List.of("c_attn", "c_fc")), true);
        Gpt2 model = Gpt2.withAdapters(base, lora, K);
        List<Parameter> ps = model.parameters();
        assertEquals(2 * 2 * 2, ps.size(), "an A and a B for 2 modules in 2 blocks");
        for (Parameter p : ps) assertTrue(p.name.matches("base_model\\.model\\.transformer\\.h\\.\\d\\.(attn\\.c_attn|mlp\\.c_fc)\\.lora_[AB]\\.weight"), p.name);
        assertThrows(IllegalStateException.class, model::grads);
    }

    @Test
    void adaptersOffIsTheBaseModelBitForBitAndFreshAdaptersChangeNothing() {
        Rng rng = new Rng(3);
        Gpt2Params base = randomModel(rng, 2, 2, 8, 11);
        int[] ids = {1, 5, 7, 2, 9, 3};
        float[] plain = Gpt2.frozen(base, K).forward(ids, 2, 3).toArray();

        LoraLayers random = new LoraLayers(randomAdapters(rng, base.config, 3, List.of("c_attn", "c_proj", "c_fc")), false);
        Gpt2 adapted = Gpt2.withAdapters(base, random, K);
        float[] on = adapted.forward(ids, 2, 3).toArray();
        random.setEnabled(false);
        assertArrayEquals(plain, adapted.forward(ids, 2, 3).toArray(), "adapters off");
        random.setEnabled(true);
        assertArrayEquals(on, adapted.forward(ids, 2, 3).toArray(), "adapters on again");
        assertTrue(maxAbsDiff(plain, on) > 1e-2, "random adapters change the logits");

        LoraWeights fresh = new LoraWeights(base.config, LoraConfig.of(4, 8, List.of("c_attn", "c_proj", "c_fc"))).initialize(rng);
        assertArrayEquals(plain, Gpt2.withAdapters(base, new LoraLayers(fresh, false), K).forward(ids, 2, 3).toArray(), "B = 0");
    }

    @Test
    void theMergedModelComputesWhatTheAdaptedModelComputes() {
        Rng rng = new Rng(4);
        Gpt2Params base = randomModel(rng, 2, 2, 8, 11);
        LoraWeights w = randomAdapters(rng, base.config, 2, List.of("c_attn", "c_proj", "c_fc"));
        int[] ids = {1, 5, 7, 2, 9, 3, 4, 4};
        float[] adapted = Gpt2.withAdapters(base, new LoraLayers(w, false), K).forward(ids, 1, 8).toArray();
        float[] merged = Gpt2.frozen(LoraMerge.merged(base, w), K).forward(ids, 1, 8).toArray();
        float[] plain = Gpt2.frozen(base, K).forward(ids, 1, 8).toArray();
        double scale = 0;
        for (float v : adapted) scale = Math.max(scale, Math.abs(v));
        assertTrue(maxAbsDiff(adapted, merged) <= 1e-5 * scale, "merged vs adapted: " + maxAbsDiff(adapted, merged));
        assertTrue(maxAbsDiff(adapted, plain) > 1e-2 * scale, "the adapter matters");
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
