package jdpo.dpo;

import jdpo.TestFiles;
import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Tensor;
import jdpo.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepBenchmarkTest {

    /** The benchmark times its own copy of the five calls; it must still be the step {@code jdpo train} runs. */
    @Test
    void timedPhasesGiveTheGradientsOfDpoStepRun() {
        Path policyDir = TestFiles.resource("fixtures/dpo/policy");
        Gpt2Params params = Gpt2Checkpoint.load(policyDir).params;
        Gpt2Params refParams = Gpt2Checkpoint.load(TestFiles.resource("fixtures/dpo/reference")).params;
        PairEncoder enc = new PairEncoder(Tokenizer.load(policyDir), 1024, 512, params.config.nPositions);
        List<EncodedPair> pairs = new ArrayList<>();
        for (PreferencePair p : PreferenceData.read(TestFiles.resource("fixtures/dpo/pairs.jsonl"))) pairs.add(enc.encode(p));
        PreferenceBatch batch = new PreferenceBatch(pairs, 256);
        int[] ids = {0, 1, 2};
        Kernels k = Kernels.of("scalar", Parallel.SERIAL);
        Reference ref = new ModelReference(refParams, k, false, "r");

        Gpt2 viaRun = Gpt2.trainable(params.copy(), k);
        viaRun.zeroGrad();
        new DpoStep(viaRun, ref, DpoLoss.standard(0.1), false, null).run(batch, ids, true, 1.0);
        Gpt2 viaPhases = Gpt2.trainable(params.copy(), k);
        viaPhases.zeroGrad();
        StepBenchmark.PhaseTimes times = new StepBenchmark.PhaseTimes();
        times.run(new DpoStep(viaPhases, ref, DpoLoss.standard(0.1), false, null), batch, ids);

        double gradSquares = 0;
        for (Map.Entry<String, Tensor> e : viaRun.grads().named().entrySet()) {
            Tensor a = e.getValue(), b = viaPhases.grads().named().get(e.getKey());
            for (int i = 0; i < a.size(); i++) {
                assertEquals(Float.floatToRawIntBits(a.at(i)), Float.floatToRawIntBits(b.at(i)), e.getKey() + "[" + i + "]");
                gradSquares += a.at(i) * a.at(i);
            }
        }
        assertTrue(gradSquares > 0, "the step produced no gradient to compare");
        assertTrue(times.policyForward > 0 && times.referenceForward > 0 && times.loss > 0 && times.backward > 0,
                "every phase was timed");
    }
}
