package jdpo.dpo;

import jdpo.TestFiles;
import jdpo.cli.Cli;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.Safetensors;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Tensor;
import jdpo.tokenizer.Tokenizer;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPO against PyTorch on the fixture policy and reference (see src/test/resources/fixtures/README.md):
 * per-pair log-probs and losses, the gradient of the mean loss, one SGD step and three AdamW steps.
 */
class DpoReferenceTest {
    static final Path DIR = TestFiles.resource("fixtures/dpo");
    static final Path POLICY = DIR.resolve("policy"), REFERENCE = DIR.resolve("reference"), PAIRS = DIR.resolve("pairs.jsonl");
    static final Map<String, Tensor> EXPECTED = Safetensors.read(DIR.resolve("expected.safetensors"));

    private static double relativeError(Tensor a, Tensor b) {
        double diff = 0, ref = 0;
        for (int i = 0; i < a.size(); i++) {
            double d = (double) a.at(i) - b.at(i);
            diff += d * d;
            ref += (double) b.at(i) * b.at(i);
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(ref), 1e-30);
    }

    @Test
    void logProbsLossAndGradientMatchPyTorch() {
        for (String kernelName : Kernels.NAMES) {
            Kernels k = Kernels.of(kernelName, Parallel.SERIAL);
            Gpt2Params policyParams = Gpt2Checkpoint.load(POLICY).params;
            Gpt2 policy = Gpt2.trainable(policyParams, k);
            Reference ref = new ModelReference(Gpt2Checkpoint.load(REFERENCE).params, k, false, "reference");
            Tokenizer tok = Tokenizer.load(POLICY);
            PairEncoder enc = new PairEncoder(tok, 1024, 512, policyParams.config.nPositions);
            List<EncodedPair> pairs = new ArrayList<>();
            for (PreferencePair p : PreferenceData.read(PAIRS)) pairs.add(enc.encode(p));
            DpoStep step = new DpoStep(policy, ref, DpoLoss.standard(0.1), false, null);
            policy.zeroGrad();
            DpoStep.Result r = step.run(new PreferenceBatch(pairs, tok.eosId()), new int[] {0, 1, 2}, true, 1.0);
            for (int i = 0; i < 3; i++) {
                assertEquals(EXPECTED.get("policy_chosen_logps").at(i), r.policyChosenLogps[i], 1e-4, kernelName + " pc " + i);
                assertEquals(EXPECTED.get("policy_rejected_logps").at(i), r.policyRejectedLogps[i], 1e-4, kernelName + " pr " + i);
                assertEquals(EXPECTED.get("reference_chosen_logps").at(i), r.refChosenLogps[i], 1e-4, kernelName + " rc " + i);
                assertEquals(EXPECTED.get("reference_rejected_logps").at(i), r.refRejectedLogps[i], 1e-4, kernelName + " rr " + i);
                assertEquals(EXPECTED.get("losses").at(i), r.loss.pairs()[i].loss(), 1e-6, kernelName + " loss " + i);
            }
            assertEquals(EXPECTED.get("loss").at(0), r.loss.loss(), 1e-6);
            for (Map.Entry<String, Tensor> e : policy.grads().named().entrySet()) {
                double err = relativeError(e.getValue(), EXPECTED.get("grad." + e.getKey()));
                assertTrue(err < 1e-3, kernelName + ": gradient of " + e.getKey() + " off by " + err + " relative");
            }
        }
    }

    @Test
    void oneSgdStepOfTrainMovesTheWeightsByLrTimesPyTorchsGradient(@TempDir Path tmp) {
        Path out = tmp.resolve("sgd");
        Cli c = Cli.run("train", "--model", POLICY.toString(), "--ref-model", REFERENCE.toString(), "--data", PAIRS.toString(),
                "--out", out.toString(), "--optimizer", "sgd", "--lr", "1", "--max-steps", "1", "--batch-size", "3",
                "--max-grad-norm", "0", "--warmup-steps", "0", "--lr-schedule", "constant", "--beta", "0.1",
                "--no-progress", "--threads", "1");
        assertEquals(0, c.exitCode, c.toString());
        Gpt2Params before = Gpt2Checkpoint.load(POLICY).params, after = Gpt2Checkpoint.load(out).params;
        Map<String, Tensor> b = before.named(), a = after.named();
        for (String name : b.keySet()) {
            Tensor delta = a.get(name).copy();
            for (int i = 0; i < delta.size(); i++) delta.put(i, a.get(name).at(i) - b.get(name).at(i));
            Tensor expectedDelta = EXPECTED.get("grad." + name).copy().scale(-1f);
            double err = relativeError(delta, expectedDelta);
            assertTrue(err < 1e-3, name + ": step differs from -lr * PyTorch's gradient by " + err + " relative");
            double abs = 0;
            for (int i = 0; i < delta.size(); i++) abs = Math.max(abs, Math.abs(a.get(name).at(i) - EXPECTED.get("sgd." + name).at(i)));
            assertTrue(abs < 1e-5, name + ": weights after SGD differ from PyTorch's by " + abs);
        }
    }

    @Test
    void threeAdamWStepsMatchPyTorch(@TempDir Path tmp) {
        Path out = tmp.resolve("adamw");
        Cli c = Cli.run("train", "--model", POLICY.toString(), "--ref-model", REFERENCE.toString(), "--data", PAIRS.toString(),
                "--out", out.toString(), "--optimizer", "adamw", "--lr", "1e-3", "--weight-decay", "0.1", "--max-steps", "3",
                "--batch-size", "3", "--max-grad-norm", "0", "--lr-schedule", "constant", "--no-progress", "--threads", "1");
        assertEquals(0, c.exitCode, c.toString());
        Map<String, Tensor> after = Gpt2Checkpoint.load(out).params.named();
        int compared = 0;
        for (Map.Entry<String, Tensor> e : after.entrySet()) {
            Tensor exp = EXPECTED.get("adamw." + e.getKey()), grad = EXPECTED.get("grad." + e.getKey());
            for (int i = 0; i < exp.size(); i++) {
                // Adam divides by sqrt(v): for gradients near float noise the step's sign is noise too.
                if (Math.abs(grad.at(i)) < 1e-4) continue;
                compared++;
                assertEquals(exp.at(i), e.getValue().at(i), 1e-5, e.getKey() + "[" + i + "]");
            }
        }
        assertTrue(compared > 1000, "compared only " + compared + " weights");
        Tensor losses = EXPECTED.get("adamw_losses");
        List<JsonObject> metrics = jdpo.io.Jsonl.readObjects(out.resolve("metrics.jsonl"));
        assertEquals(3, metrics.size());
        for (int s = 0; s < 3; s++) assertEquals(losses.at(s), metrics.get(s).get("loss").getAsDouble(), 1e-5, "loss at step " + (s + 1));
    }

    @Test
    void scoreJsonAgreesWithPyTorch() {
        Cli c = Cli.run("score", "--model", POLICY.toString(), "--ref-model", REFERENCE.toString(), "--data", PAIRS.toString(),
                "--json", "--threads", "1");
        assertEquals(0, c.exitCode, c.toString());
        String[] lines = c.out.strip().split("\n");
        assertEquals(4, lines.length, c.out);
        for (int i = 0; i < 3; i++) {
            JsonObject o = JsonParser.parseString(lines[i]).getAsJsonObject();
            assertEquals(EXPECTED.get("policy_chosen_logps").at(i), o.get("logps/chosen").getAsDouble(), 1e-4);
            assertEquals(EXPECTED.get("policy_rejected_logps").at(i), o.get("logps/rejected").getAsDouble(), 1e-4);
            assertEquals(EXPECTED.get("reference_chosen_logps").at(i), o.get("ref_logps/chosen").getAsDouble(), 1e-4);
            assertEquals(EXPECTED.get("reference_rejected_logps").at(i), o.get("ref_logps/rejected").getAsDouble(), 1e-4);
            assertEquals(EXPECTED.get("losses").at(i), o.get("loss").getAsDouble(), 1e-6);
            double rc = 0.1 * (o.get("logps/chosen").getAsDouble() - o.get("ref_logps/chosen").getAsDouble());
            assertEquals(rc, o.get("rewards/chosen").getAsDouble(), 1e-9);
        }
        JsonObject summary = JsonParser.parseString(lines[3]).getAsJsonObject();
        assertEquals(EXPECTED.get("loss").at(0), summary.get("loss").getAsDouble(), 1e-6);
    }

    @Test
    void lossStartsAtLn2WhenPolicyIsTheReferenceAndFalls(@TempDir Path tmp) {
        Path out = tmp.resolve("self");
        Cli c = Cli.run("train", "--model", POLICY.toString(), "--data", PAIRS.toString(), "--out", out.toString(),
                "--lr", "1e-3", "--max-steps", "8", "--batch-size", "3", "--lr-schedule", "constant", "--no-progress", "--threads", "1");
        assertEquals(0, c.exitCode, c.toString());
        List<JsonObject> m = jdpo.io.Jsonl.readObjects(out.resolve("metrics.jsonl"));
        assertEquals(8, m.size());
        assertEquals(Math.log(2), m.get(0).get("loss").getAsDouble(), 1e-6);
        assertEquals(0.0, m.get(0).get("rewards/margins").getAsDouble(), 1e-9);
        double lastLoss = m.get(7).get("loss").getAsDouble();
        assertTrue(lastLoss < 0.6, "loss after 8 AdamW steps is " + lastLoss);
        for (int s = 1; s < 8; s++) {
            assertTrue(m.get(s).get("loss").getAsDouble() < m.get(s - 1).get("loss").getAsDouble(), "loss rose at step " + (s + 1));
        }
    }
}
