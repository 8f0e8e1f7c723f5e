package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.dpo.TrainingCheckpoint;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import static jdpo.hardening.NonFiniteTrainingTest.concat;
import static jdpo.hardening.NonFiniteTrainingTest.replaceOut;
import static jdpo.hardening.ResumeTest.metricsWithoutWallClock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code --resume} from a checkpoint that was damaged or belongs to another run ends with one
 * line naming the file and leaves the checkpoint as it was; a metrics line torn by a crash is
 * dropped and the run resumes exactly.
 */
class DamagedCheckpointTest {
    @TempDir
    Path tmp;
    Workspace ws;

    private static final String[] RUN = {"--max-steps", "4", "--lr", "1e-3"};

    /** A checkpoint of step 2 of 4 in {@code ws.out}. */
    @BeforeEach
    void setUp() {
        ws = new Workspace(tmp);
        Cli r = ws.train(concat(RUN, "--stop-after", "2"));
        assertEquals(0, r.exitCode, r.toString());
    }

    private Path file(String name) {
        return ws.out.resolve(name);
    }

    private void resumeRefused(String... fragments) throws IOException {
        TreeSet<String> before = ws.listing();
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        for (String f : before) {
            Path p = tmp.resolve(f);
            if (Files.isRegularFile(p)) bytes.put(f, Files.readAllBytes(p));
        }
        ws.assertRefused(before, ws.train(concat(RUN, "--resume")), fragments);
        for (Map.Entry<String, byte[]> e : bytes.entrySet()) assertArrayEquals(e.getValue(), Files.readAllBytes(tmp.resolve(e.getKey())), e.getKey());
    }

    private void rewriteOptimizer(java.util.function.Consumer<Map<String, Tensor>> edit) {
        Path f = file(TrainingCheckpoint.OPTIMIZER);
        Map<String, Tensor> state = Safetensors.read(f);
        edit.accept(state);
        Safetensors.write(f, state, Safetensors.readMetadata(f));
    }

    @Test
    void anotherOptimizer() throws IOException {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(concat(RUN, "--resume", "--optimizer", "sgd")),
                ws.out + ": the checkpoint was trained with --optimizer adamw; resume it with the same optimizer");
    }

    @Test
    void optimizerTensorOfNoParameter() throws IOException {
        rewriteOptimizer(s -> s.put("exp_avg.h.7.ln_1.weight", Tensor.zeros(24)));
        resumeRefused(file(TrainingCheckpoint.OPTIMIZER) + ": tensor \"exp_avg.h.7.ln_1.weight\" [24] matches no parameter of the model");
    }

    @Test
    void optimizerTensorOfTheWrongShape() throws IOException {
        rewriteOptimizer(s -> s.put("exp_avg_sq.ln_f.bias", Tensor.zeros(25)));
        resumeRefused(file(TrainingCheckpoint.OPTIMIZER) + ": tensor \"exp_avg_sq.ln_f.bias\" [25] matches no parameter of the model");
    }

    @Test
    void optimizerTensorThatIsNoMoment() throws IOException {
        rewriteOptimizer(s -> s.put("momentum.ln_f.bias", Tensor.zeros(24)));
        resumeRefused(file(TrainingCheckpoint.OPTIMIZER) + ": 'momentum.ln_f.bias' is not an AdamW state tensor");
    }

    @Test
    void optimizerMissingAMoment() throws IOException {
        rewriteOptimizer(s -> s.remove("exp_avg.wpe.weight"));
        resumeRefused(file(TrainingCheckpoint.OPTIMIZER) + ": no AdamW moments for wpe.weight");
    }

    @Test
    void optimizerFileTruncated() throws IOException {
        Path f = file(TrainingCheckpoint.OPTIMIZER);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 100));
        resumeRefused(f + ": ", "truncated");
    }

    @Test
    void optimizerFileMissing() throws IOException {
        Files.delete(file(TrainingCheckpoint.OPTIMIZER));
        resumeRefused(file(TrainingCheckpoint.OPTIMIZER) + ": missing; cannot resume the optimizer");
    }

    @Test
    void optimizerOfAnotherStep() throws IOException {
        String state = Files.readString(file(TrainingCheckpoint.STATE)).replace("\"global_step\": 2", "\"global_step\": 3");
        Files.writeString(file(TrainingCheckpoint.STATE), state);
        resumeRefused(file(TrainingCheckpoint.OPTIMIZER) + ": holds step 2 but trainer_state.json says 3");
    }

    @Test
    void trainerStateWithoutTheOptimizerSteps() throws IOException {
        String state = Files.readString(file(TrainingCheckpoint.STATE)).replace("\"optimizer_steps\": 2,", "");
        Files.writeString(file(TrainingCheckpoint.STATE), state);
        resumeRefused(file(TrainingCheckpoint.STATE) + ": missing field \"optimizer_steps\"");
    }

    @Test
    void trainerStateNotJson() throws IOException {
        Files.writeString(file(TrainingCheckpoint.STATE), "{\"global_step\": 2");
        resumeRefused(file(TrainingCheckpoint.STATE) + ": malformed JSON");
    }

    @Test
    void checkpointWeightsDamaged() throws IOException {
        Path f = file("model.safetensors");
        byte[] b = Files.readAllBytes(f);
        b[3] = 0x7f; // the header length becomes absurd
        Files.write(f, b);
        resumeRefused(f + ": header length ", "is larger than the limit");
    }

    @Test
    void metricsLineTornByACrashIsDropped() throws IOException {
        Files.writeString(file("metrics.jsonl"), "{\"loss\":0.69,\"rewards/cho", java.nio.file.StandardOpenOption.APPEND);
        Cli resumed = ws.train(concat(RUN, "--resume"));
        assertEquals(0, resumed.exitCode, resumed.toString());
        Path straight = tmp.resolve("straight");
        assertEquals(0, Cli.run(replaceOut(ws.trainArgs(RUN), straight)).exitCode);
        assertEquals(metricsWithoutWallClock(straight.resolve("metrics.jsonl")), metricsWithoutWallClock(file("metrics.jsonl")));
        assertArrayEquals(Files.readAllBytes(straight.resolve("model.safetensors")), Files.readAllBytes(file("model.safetensors")));
    }
}
