package jdpo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.TestFiles;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ./jdpo train --lora-r} against TRL's DPOTrainer with a PEFT LoraConfig.
 * {@code scripts/reference/lora_reference.py} started TRL (float32, the first 8 pairs of
 * weights/tiny in every step, AdamW with clipping) from jdpo's initial adapter
 * ({@code fixtures/lora/initial/}, which PeftAdapterTest shows is exactly what jdpo draws from
 * seed 42), and recorded every metric TRL logged and the adapter PEFT saved after 4 steps. jdpo,
 * given the same settings as flags, must log the same numbers (within {@code 1e-4 * max(1, |value|)},
 * as for full training) and end with the same adapter: for each tensor, the norm of (jdpo's -
 * PEFT's) within 1e-3 of the norm of how far PEFT moved it (seen: 1.1e-4 at most). Element by
 * element the worst is 1.7e-3 of the tensor's largest change, in elements whose gradient is near
 * zero, where AdamW's {@code m / sqrt(v)} turns a rounding difference into a full-size step.
 */
class LoraTrlTest {
    private static final Path DIR = TestFiles.resource("fixtures/lora");
    private static final Path TINY = Path.of("weights/tiny");

    @Test
    void loraTrainingLogsWhatTrlWithPeftLogsAndEndsWithTheSameAdapter(@TempDir Path tmp) throws IOException {
        JsonObject fixture = JsonParser.parseString(Files.readString(DIR.resolve("lora-reference.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject run = fixture.getAsJsonObject("training");
        int pairs = fixture.get("pairs").getAsInt();
        Path data = tmp.resolve("pairs.jsonl"), out = tmp.resolve("out");
        Files.write(data, Files.readAllLines(TINY.resolve("pairs.jsonl"), StandardCharsets.UTF_8).subList(0, pairs), StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("train", "--model", TINY.toString(), "--data", data.toString(),
                "--out", out.toString(), "--no-progress", "--threads", "1", "--seed", "42"));
        for (JsonElement a : run.getAsJsonArray("jdpo_args")) args.add(a.getAsString());
        Cli cli = Cli.run(args.toArray(new String[0]));
        assertEquals(0, cli.exitCode, cli.toString());

        TrlReferenceTest.assertLogsTrlsSteps(run.getAsJsonArray("metrics"), out.resolve("metrics.jsonl"));

        Map<String, Tensor> initial = Safetensors.read(DIR.resolve("initial/adapter_model.safetensors"));
        Map<String, Tensor> trl = Safetensors.read(DIR.resolve("trl-trained/adapter_model.safetensors"));
        Map<String, Tensor> jdpo = Safetensors.read(out.resolve("adapter_model.safetensors"));
        assertEquals(trl.keySet(), jdpo.keySet(), "PEFT's tensor names");
        for (String name : trl.keySet()) {
            Tensor t = trl.get(name), j = jdpo.get(name), i = initial.get(name);
            double moved = 0, off = 0;
            for (int k = 0; k < t.size(); k++) {
                moved += Math.pow((double) t.at(k) - i.at(k), 2);
                off += Math.pow((double) t.at(k) - j.at(k), 2);
            }
            moved = Math.sqrt(moved);
            off = Math.sqrt(off);
            assertTrue(moved > 0, name + " moved");
            if (!(off <= 1e-3 * moved)) fail(name + ": TRL moved it by " + moved + " (norm), jdpo ends " + off + " away from TRL");
        }
    }
}
