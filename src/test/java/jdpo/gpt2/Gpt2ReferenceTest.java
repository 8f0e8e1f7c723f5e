package jdpo.gpt2;

import jdpo.dpo.ResponseLogProbs;
import jdpo.nn.CrossEntropy;
import jdpo.nn.TokenLogProbs;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPT-2 against PyTorch on the same weights: logits, token log-probs, the cross-entropy loss
 * and the gradient of every parameter, for each fixture config and each kernel implementation.
 */
class Gpt2ReferenceTest {
    static final String[] CASES = {"odd36", "prefixed", "wide"};

    @TestFactory
    List<DynamicTest> matchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : CASES) {
            for (String kernels : Kernels.NAMES) {
                for (int threads : new int[] {1, 2}) {
                    tests.add(DynamicTest.dynamicTest(name + " kernels=" + kernels + " threads=" + threads,
                            () -> check(new Fixtures.Gpt2Case(name), kernels, threads)));
                }
            }
        }
        return tests;
    }

    private static void check(Fixtures.Gpt2Case c, String kernelName, int threads) {
        Gpt2Checkpoint.Loaded loaded = Gpt2Checkpoint.load(c.dir);
        assertEquals(List.of(), loaded.warnings);
        try (Parallel par = new Parallel(threads)) {
            Kernels kernels = Kernels.of(kernelName, par);
            Gpt2 model = Gpt2.trainable(loaded.params, kernels);
            Map<String, Tensor> exp = c.expected;

            Tensor logits = model.forward(c.ids, c.B, c.T);
            double logitErr = Fixtures.maxAbsDiff(logits, exp.get("logits"));
            assertTrue(logitErr < 1e-4, c + ": logits differ from PyTorch by " + logitErr);

            float[] logp = new float[c.B * c.T];
            TokenLogProbs.forward(logp, logits, c.targets);
            double lpErr = Fixtures.maxAbsDiff(Tensor.of(logp, c.B, c.T), exp.get("token_logprobs"));
            assertTrue(lpErr < 1e-4, c + ": token log-probs differ by " + lpErr);

            double loss = CrossEntropy.forward(logits, c.targets);
            assertEquals(exp.get("loss").at(0), loss, 1e-5, c + ": loss");

            model.zeroGrad();
            CrossEntropy.backward(model.logitsGrad(), logits, c.targets, 1f);
            model.backward();
            for (Map.Entry<String, Tensor> e : model.grads().named().entrySet()) {
                Tensor ref = exp.get("grad." + e.getKey());
                double err = Fixtures.relativeError(e.getValue(), ref);
                assertTrue(err < 1e-3, c + ": gradient of " + e.getKey() + " differs by " + err + " (relative, by norm)");
            }

            ResponseLogProbs.Result r = ResponseLogProbs.compute(loaded.params, kernels, c.promptIds, c.responseIds);
            Tensor expResp = exp.get("response_logprobs");
            assertEquals(expResp.size(), r.logprobs.length);
            for (int j = 0; j < r.logprobs.length; j++) {
                assertEquals(expResp.at(j), r.logprobs[j], 1e-4, c + ": response token " + j);
            }
        }
    }

    @TestFactory
    List<DynamicTest> saveThenLoadIsBitExact() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : CASES) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Gpt2Params p = Gpt2Checkpoint.load(Fixtures.dir("gpt2/" + name)).params;
                java.nio.file.Path tmp = java.nio.file.Files.createTempDirectory("jdpo-save");
                Gpt2Checkpoint.writeInto(tmp, p);
                Gpt2Checkpoint.Loaded back = Gpt2Checkpoint.load(tmp);
                assertEquals(List.of(), back.warnings);
                assertArrayEquals(p.all.toArray(), back.params.all.toArray());
                assertEquals(p.config.toJson(), back.params.config.toJson());
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> realHuggingFaceCheckpointsLoad() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : new String[] {"tiny_gpt2", "fake_gpt2"}) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                java.nio.file.Path dir = Fixtures.resource("hf/" + name);
                Gpt2Checkpoint.Loaded l = Gpt2Checkpoint.load(dir);
                assertEquals(List.of(), l.warnings);
                assertEquals(2, l.params.config.nEmbd);
                Gpt2 m = Gpt2.frozen(l.params, Kernels.of("scalar", Parallel.SERIAL));
                Tensor logits = m.forward(new int[] {1, 2, 3}, 1, 3);
                assertTrue(logits.allFinite());
                assertEquals(l.params.config.vocabSize, logits.dim(-1), Arrays.toString(logits.shape()));
            }));
        }
        return tests;
    }
}
