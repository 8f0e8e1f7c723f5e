package jdpo.dpo;

import jdpo.TestFiles;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import jdpo.tokenizer.Tokenizer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batching, truncation, sequence log-probs and their gradients, accumulation and data order. */
class DpoPipelineTest {
    private static final Kernels SCALAR = Kernels.of("scalar", Parallel.SERIAL);
    static final Path POLICY = TestFiles.resource("fixtures/dpo/policy");
    static final Tokenizer TOK = Tokenizer.load(POLICY); // byte-level: id = byte value, eos = 256

    @Test
    void pairsBecomeRowsOfPromptThenResponseThenEos() {
        PairEncoder enc = new PairEncoder(TOK, 1024, 512, 64);
        EncodedPair p = enc.encode(new PreferencePair("ab", "c", "de", "t"));
        assertArrayEquals(new int[] {'a', 'b'}, p.promptIds);
        assertArrayEquals(new int[] {'c', 256}, p.chosenIds);
        assertArrayEquals(new int[] {'d', 'e', 256}, p.rejectedIds);
        PreferenceBatch b = new PreferenceBatch(List.of(p), 256);
        assertEquals(5, b.T);
        // chosen row: a b c eos pad; targets predict c and eos from positions 1 and 2
        assertArrayEquals(new int[] {'a', 'b', 'c', 256, 256, 'a', 'b', 'd', 'e', 256}, b.ids);
        assertArrayEquals(new int[] {-1, 'c', 256, -1, -1, -1, 'd', 'e', 256, -1}, b.targets);
        assertArrayEquals(new int[] {2, 3}, b.responseTokens);
        assertEquals(9, b.realTokens());
    }

    @Test
    void truncationKeepsThePromptsEndThenCutsResponses() {
        PairEncoder enc = new PairEncoder(TOK, 6, 3, 64);
        EncodedPair p = enc.encode(new PreferencePair("abcdef", "ghijk", "l", "t"));
        assertArrayEquals(new int[] {'d', 'e', 'f'}, p.promptIds);
        assertArrayEquals(new int[] {'g', 'h', 'i'}, p.chosenIds); // eos cut too: 3 + 3 = 6
        assertArrayEquals(new int[] {'l', 256}, p.rejectedIds);
        assertTrue(p.truncated);
        // the context caps max length; a prompt that would fill it keeps its last n-1 tokens
        EncodedPair q = new PairEncoder(TOK, 1024, 0, 4).encode(new PreferencePair("abcdef", "g", "h", "t"));
        assertArrayEquals(new int[] {'d', 'e', 'f'}, q.promptIds);
        assertArrayEquals(new int[] {'g'}, q.chosenIds);
        assertTrue(q.truncated);
        EncodedPair r = new PairEncoder(TOK, 1024, 512, 64).encode(new PreferencePair("", "g", "h", "t"));
        assertArrayEquals(new int[] {256}, r.promptIds, "an empty prompt starts from <|endoftext|>");
    }

    @TestFactory
    List<DynamicTest> sequenceLogProbGradientsMatchFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        Rng gen = new Rng(31);
        for (int c = 0; c < 6; c++) {
            long seed = gen.nextLong();
            boolean average = c % 2 == 1;
            int rows = gen.nextInt(1, 4), T = gen.nextInt(2, 6), V = gen.nextInt(3, 9);
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " rows=" + rows + " T=" + T + " V=" + V + " average=" + average,
                    () -> checkSequenceGradient(seed, rows, T, V, average)));
        }
        return tests;
    }

    private static void checkSequenceGradient(long seed, int rows, int T, int V, boolean average) {
        Rng rng = new Rng(seed);
        Tensor logits = Tensor.randn(rng, 1.5f, rows, T, V);
        int[] targets = new int[rows * T];
        for (int i = 0; i < targets.length; i++) targets[i] = rng.nextInt(3) == 0 ? -1 : rng.nextInt(V);
        for (int r = 0; r < rows; r++) targets[r * T] = rng.nextInt(V); // every row scores a token
        double[] w = new double[rows], extra = new double[rows];
        for (int r = 0; r < rows; r++) {
            w[r] = rng.nextGaussian();
            extra[r] = rng.nextGaussian();
        }
        SequenceLogProbs seq = new SequenceLogProbs(average);
        // L = sum_r w_r * rowLogp_r + sum_r extra_r * (sum of row r's token log-probs)
        java.util.function.DoubleSupplier loss = () -> {
            double[] rl = seq.forward(SCALAR, logits, targets, rows, T);
            double l = 0;
            for (int r = 0; r < rows; r++) {
                l += w[r] * rl[r];
                for (int t = 0; t < T; t++) l += extra[r] * seq.tokenLogps()[r * T + t];
            }
            return l;
        };
        loss.getAsDouble();
        Tensor grad = Tensor.zeros(rows, T, V);
        seq.backward(SCALAR, grad, logits, targets, w, extra, rows, T);
        float h = 1e-2f;
        for (int i = 0; i < logits.size(); i++) {
            float orig = logits.at(i);
            logits.put(i, orig + h);
            double up = loss.getAsDouble();
            logits.put(i, orig - h);
            double down = loss.getAsDouble();
            logits.put(i, orig);
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, grad.at(i), 2e-3 + 1e-2 * Math.abs(numeric), "element " + i);
        }
    }

    /** The reference reads a batch a few rows per forward; one row at a time must give the same bits as all at once. */
    @Test
    void referenceLogpsDoNotDependOnHowManyRowsShareAForward() {
        Gpt2Params params = Gpt2Checkpoint.load(TestFiles.resource("fixtures/dpo/reference")).params;
        PreferenceBatch batch = new PreferenceBatch(fixturePairs(params), 256);
        for (boolean average : new boolean[] {false, true}) {
            try (Parallel par = new Parallel(2)) {
                Kernels k = Kernels.of("vector", par);
                double[] all = new ModelReference(params, k, average, "r", Integer.MAX_VALUE).logps(batch, null);
                double[] oneRow = new ModelReference(params, k, average, "r", 1).logps(batch, null);
                double[] twoRows = new ModelReference(params, k, average, "r", 2 * batch.T).logps(batch, null);
                assertTrue(batch.rows > 2, "the batch must have more rows than a forward takes");
                assertArrayEquals(all, oneRow, "one row per forward, average=" + average);
                assertArrayEquals(all, twoRows, "two rows per forward, average=" + average);
            }
        }
    }

    /** The three pairs of fixtures/dpo/pairs.jsonl, encoded for {@code params}' context. */
    private static List<EncodedPair> fixturePairs(Gpt2Params params) {
        PairEncoder enc = new PairEncoder(TOK, 1024, 512, params.config.nPositions);
        List<EncodedPair> pairs = new ArrayList<>();
        for (PreferencePair p : PreferenceData.read(TestFiles.resource("fixtures/dpo/pairs.jsonl"))) pairs.add(enc.encode(p));
        return pairs;
    }

    @Test
    void gradientAccumulationOverTwoHalvesEqualsOneBatch() {
        Gpt2Params params = Gpt2Checkpoint.load(POLICY).params;
        Kernels k = Kernels.of("scalar", Parallel.SERIAL);
        List<EncodedPair> pairs = fixturePairs(params);
        pairs.add(new PairEncoder(TOK, 1024, 512, params.config.nPositions).encode(new PreferencePair("hello", " yes", " no thanks", "t")));
        Reference ref = new ModelReference(Gpt2Checkpoint.load(TestFiles.resource("fixtures/dpo/reference")).params, k, false, "r");

        Gpt2 whole = Gpt2.trainable(params.copy(), k);
        whole.zeroGrad();
        new DpoStep(whole, ref, DpoLoss.standard(0.1), false, null).run(new PreferenceBatch(pairs, 256), new int[] {0, 1, 2, 3}, true, 1.0);

        Gpt2 halves = Gpt2.trainable(params.copy(), k);
        halves.zeroGrad();
        DpoStep step = new DpoStep(halves, ref, DpoLoss.standard(0.1), false, null);
        step.run(new PreferenceBatch(pairs.subList(0, 2), 256), new int[] {0, 1}, true, 0.5);
        step.run(new PreferenceBatch(pairs.subList(2, 4), 256), new int[] {2, 3}, true, 0.5);

        for (Map.Entry<String, Tensor> e : whole.grads().named().entrySet()) {
            Tensor a = e.getValue(), b = halves.grads().named().get(e.getKey());
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.at(i), b.at(i), 1e-6 + 1e-4 * Math.abs(a.at(i)), e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void aStepsNumbersDoNotDependOnTheThreadCount() {
        Gpt2Params params = Gpt2Checkpoint.load(POLICY).params;
        Gpt2Params refParams = Gpt2Checkpoint.load(TestFiles.resource("fixtures/dpo/reference")).params;
        List<EncodedPair> pairs = fixturePairs(params);
        PreferenceBatch batch = new PreferenceBatch(pairs, 256);
        DpoStep.Result[] results = new DpoStep.Result[2];
        for (int threads = 1; threads <= 2; threads++) {
            try (Parallel par = new Parallel(threads)) {
                Kernels k = Kernels.of("vector", par);
                Reference ref = new ModelReference(refParams, k, false, "r");
                results[threads - 1] = new DpoStep(Gpt2.trainable(params.copy(), k), ref, DpoLoss.standard(0.1), false, null)
                        .run(batch, new int[] {0, 1, 2}, true, 1.0);
            }
        }
        DpoStep.Result one = results[0], two = results[1];
        assertEquals(one.totalLoss, two.totalLoss);
        assertArrayEquals(one.policyChosenLogps, two.policyChosenLogps);
        assertArrayEquals(one.policyRejectedLogps, two.policyRejectedLogps);
        assertEquals(one.meanChosenLogits, two.meanChosenLogits);
        assertEquals(one.meanRejectedLogits, two.meanRejectedLogits);
        assertEquals(one.entropy, two.entropy);
        assertEquals(one.chosenTokenAccuracy, two.chosenTokenAccuracy);
        // Entropy lies between 0 and ln V; an accuracy is a fraction of the chosen responses' tokens.
        assertTrue(one.entropy > 0 && one.entropy < Math.log(params.config.vocabSize), "entropy " + one.entropy);
        int chosenTokens = 0;
        for (int i = 0; i < 3; i++) chosenTokens += batch.responseTokens[i];
        double scaled = one.chosenTokenAccuracy * chosenTokens;
        assertEquals(Math.rint(scaled), scaled, 1e-9, "accuracy " + one.chosenTokenAccuracy + " of " + chosenTokens + " tokens");
    }

    @Test
    void rpoTermAddsTheChosenResponsesMeanNll() {
        Gpt2Params params = Gpt2Checkpoint.load(POLICY).params;
        Kernels k = Kernels.of("scalar", Parallel.SERIAL);
        List<EncodedPair> pairs = fixturePairs(params);
        PreferenceBatch batch = new PreferenceBatch(pairs, 256);
        DpoStep.Result plain = new DpoStep(Gpt2.trainable(params, k), Reference.NONE, DpoLoss.standard(0.1), false, null)
                .run(batch, new int[] {0, 1, 2}, false, 0);
        DpoStep.Result rpo = new DpoStep(Gpt2.trainable(params, k), Reference.NONE, DpoLoss.standard(0.1), false, new RpoTerm(0.5))
                .run(batch, new int[] {0, 1, 2}, false, 0);
        int chosenTokens = 0;
        double chosenLogps = 0;
        for (int i = 0; i < 3; i++) {
            chosenTokens += batch.responseTokens[i];
            chosenLogps += plain.policyChosenLogps[i];
        }
        assertEquals(plain.totalLoss + 0.5 * (-chosenLogps / chosenTokens), rpo.totalLoss, 1e-9);
    }

    @Test
    void dataOrderDependsOnlyOnSeedAndCoversEveryPairEachEpoch() {
        DpoTrainer.Settings s = new DpoTrainer.Settings();
        s.batchSize = 3;
        s.seed = 5;
        s.epochs = 2;
        DpoTrainer a = trainerOfPairs(10, s), b = trainerOfPairs(10, s);
        assertEquals(8, a.totalSteps()); // ceil(10 / 3) = 4 batches per epoch, 2 epochs
        for (int epoch = 0; epoch < 2; epoch++) {
            boolean[] seen = new boolean[10];
            for (int m = 0; m < 4; m++) {
                assertArrayEquals(a.microBatch(epoch, m), b.microBatch(epoch, m));
                for (int i : a.microBatch(epoch, m)) {
                    assertTrue(!seen[i], "pair " + i + " twice in epoch " + epoch);
                    seen[i] = true;
                }
            }
            for (boolean x : seen) assertTrue(x);
        }
        assertTrue(!java.util.Arrays.equals(a.microBatch(0, 0), a.microBatch(1, 0)) || !java.util.Arrays.equals(a.microBatch(0, 1), a.microBatch(1, 1)),
                "each epoch draws its own order");
    }

    @Test
    void theLastAccumulationStepOfAnEpochTakesTheMicroBatchesLeftAndNoneOfTheNextEpoch() {
        DpoTrainer.Settings s = new DpoTrainer.Settings();
        s.batchSize = 4;
        s.gradAccum = 2;
        s.epochs = 2;
        DpoTrainer t = trainerOfPairs(12, s);
        assertEquals(4, t.totalSteps()); // 3 micro-batches per epoch: steps of 2 and 1, twice
        int[] sizes = new int[4];
        for (int epoch = 0; epoch < 2; epoch++) {
            boolean[] seen = new boolean[12];
            for (int st = 2 * epoch; st < 2 * epoch + 2; st++) {
                sizes[st] = t.microBatches(st).length;
                for (int[] micro : t.microBatches(st)) {
                    for (int i : micro) {
                        assertTrue(!seen[i], "pair " + i + " twice in epoch " + epoch);
                        seen[i] = true;
                    }
                }
            }
            for (boolean x : seen) assertTrue(x, "epoch " + epoch + " misses a pair");
        }
        assertArrayEquals(new int[] {2, 1, 2, 1}, sizes);
    }

    /** A trainer of the fixture policy (reference-free sigmoid, SGD) on n one-token pairs "p0".."p{n-1}". */
    private static DpoTrainer trainerOfPairs(int n, DpoTrainer.Settings s) {
        List<EncodedPair> pairs = new ArrayList<>();
        PairEncoder enc = new PairEncoder(TOK, 1024, 512, 64);
        for (int i = 0; i < n; i++) pairs.add(enc.encode(new PreferencePair("p" + i, "c", "r", "t")));
        Gpt2 policy = Gpt2.trainable(Gpt2Checkpoint.load(POLICY).params, Kernels.of("scalar", Parallel.SERIAL));
        DpoStep step = new DpoStep(policy, Reference.NONE, DpoLoss.standard(0.1), false, null);
        return new DpoTrainer(policy, step, new jdpo.optim.Sgd(), pairs, 256, s);
    }
}
