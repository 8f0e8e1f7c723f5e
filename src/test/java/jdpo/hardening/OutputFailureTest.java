package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wrong output is never silent: output that could not be written (stdout on a full disk) and
 * results that are not numbers (NaN from overflowing weights) exit non-zero with one line, and
 * JSON output never holds a bare NaN.
 */
class OutputFailureTest {
    @TempDir
    Path tmp;

    /** /dev/full accepts no byte: every write fails as on a full disk. */
    @Test
    void aFailedWriteToStdoutExitsNonZero() throws Exception {
        Workspace ws = new Workspace(tmp);
        for (String[] args : List.of(new String[] {"tokenize", "--model", ws.model.toString(), "hello world"},
                new String[] {"score", "--model", ws.model.toString(), "--data", ws.pairs.toString(), "--json", "--threads", "1"})) {
            Process p = new ProcessBuilder(Workspace.jdpoInNewJvm(args)).redirectOutput(new File("/dev/full")).start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue(), args[0] + ": " + err);
            List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
            assertEquals(List.of("error: cannot write to standard output (disk full, or the reader went away); the output is incomplete"),
                    lines, args[0] + ": " + err);
        }
    }

    /** Weights that are finite but huge (what --lr 1e10 makes) overflow float32 in the forward pass. */
    @Test
    void nonFiniteResultsExitNonZeroAndNeverReachTheJson() {
        Workspace ws = new Workspace(tmp);
        Map<String, Tensor> tensors = Safetensors.read(ws.weights());
        for (String name : List.of("h.0.mlp.c_fc.weight", "h.0.mlp.c_proj.weight", "h.1.mlp.c_fc.weight", "h.1.mlp.c_proj.weight")) {
            Tensor t = tensors.get(name);
            for (int i = 0; i < t.size(); i++) t.put(i, 1e30f);
        }
        Safetensors.write(ws.weights(), tensors, Map.of());
        Cli score = Cli.run("score", "--model", ws.model.toString(), "--data", ws.pairs.toString(), "--json", "--threads", "1");
        Workspace.assertOneLineError(score, ws.pairs + ":1: logps/chosen is ", "(not a finite number)");
        Cli logprobs = Cli.run("logprobs", "--model", ws.model.toString(), "--prompt", "a", "--response", "b", "--json", "--threads", "1");
        Workspace.assertOneLineError(logprobs, "the log-prob of response token 0 (position ", "(not a finite number)");
        Cli generate = Cli.run("generate", "--model", ws.model.toString(), "--prompt", "a", "--json", "--seed", "1", "--threads", "1");
        Workspace.assertOneLineError(generate, "the probability of generated token 0 is NaN");
    }
}
