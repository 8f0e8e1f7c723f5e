package jdpo.gpt2;

import jdpo.nn.CrossEntropy;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole model's backward against central finite differences of its forward, for a sample of
 * entries of every parameter tensor, on tiny random configs.
 */
class Gpt2GradientTest {

    @TestFactory
    List<DynamicTest> backwardMatchesFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        Rng gen = new Rng(77);
        for (int c = 0; c < 3; c++) {
            int nHead = gen.nextInt(1, 3), hs = gen.nextInt(2, 5), nLayer = gen.nextInt(1, 2);
            int vocab = gen.nextInt(5, 17), T = gen.nextInt(1, 6), B = gen.nextInt(1, 2);
            long seed = gen.nextLong();
            String name = "seed=" + seed + " layers=" + nLayer + " heads=" + nHead + " C=" + nHead * hs
                    + " V=" + vocab + " B=" + B + " T=" + T;
            tests.add(DynamicTest.dynamicTest(name, () -> check(seed, nLayer, nHead, nHead * hs, vocab, B, T)));
        }
        return tests;
    }

    private static void check(long seed, int nLayer, int nHead, int C, int V, int B, int T) {
        Rng rng = new Rng(seed);
        Gpt2Config config = new Gpt2Config(nLayer, nHead, C, 8, V, 1e-5f, V - 1, V - 1);
        Gpt2Params params = new Gpt2Params(config);
        // Larger than GPT-2's init so every op works away from its linear regime.
        for (int i = 0; i < params.all.size(); i++) params.all.put(i, (float) (rng.nextGaussian() * 0.5));
        for (Map.Entry<String, Tensor> e : params.named().entrySet()) {
            if (e.getKey().contains("ln_") && e.getKey().endsWith("weight")) {
                Tensor t = e.getValue();
                for (int i = 0; i < t.size(); i++) t.put(i, 1f + 0.3f * (float) rng.nextGaussian());
            }
        }
        int[] ids = new int[B * T], targets = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(V);
            targets[i] = rng.nextInt(4) == 0 ? -1 : rng.nextInt(V);
        }
        targets[0] = rng.nextInt(V);
        Gpt2 model = Gpt2.trainable(params, Kernels.of("scalar", Parallel.SERIAL));
        model.zeroGrad();
        Tensor logits = model.forward(ids, B, T);
        CrossEntropy.backward(model.logitsGrad(), logits, targets, 1f);
        model.backward();

        Map<String, Tensor> grads = model.grads().named();
        float h = 1e-2f;
        for (Map.Entry<String, Tensor> e : params.named().entrySet()) {
            Tensor w = e.getValue(), g = grads.get(e.getKey());
            for (int s = 0; s < 3; s++) {
                int i = rng.nextInt(w.size());
                if (e.getKey().equals("wpe.weight")) i = rng.nextInt(T * C); // rows past T get no gradient
                float orig = w.at(i);
                w.put(i, orig + h);
                double up = CrossEntropy.forward(model.forward(ids, B, T), targets);
                w.put(i, orig - h);
                double down = CrossEntropy.forward(model.forward(ids, B, T), targets);
                w.put(i, orig);
                double numeric = (up - down) / (2 * h);
                double analytic = g.at(i);
                // Float32 forward: loss noise ~1e-6 over a 2e-2 step gives ~1e-4; O(h^2) truncation ~1e-4.
                double tol = 1e-3 + 2e-2 * Math.abs(numeric);
                assertTrue(Math.abs(analytic - numeric) <= tol,
                        e.getKey() + "[" + i + "]: analytic " + analytic + " vs numeric " + numeric);
            }
        }
    }
}
