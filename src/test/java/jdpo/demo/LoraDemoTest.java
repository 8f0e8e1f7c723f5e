package jdpo.demo;

import com.google.gson.JsonObject;
import jdpo.cli.Cli;
import jdpo.io.Json;
import jdpo.io.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo with {@code --lora-r}: the same run and report, with only adapters training. */
class LoraDemoTest {

    @Test
    void aShortLoraDemoTrainsAndReportsTheSameNumbers(@TempDir Path tmp) throws Exception {
        // Plain DPO (no RPO term), so the loss at step 1 is ln 2.
        Cli cli = Cli.run("demo", "--steps", "3", "--eval-prompts", "4", "--seed", "5", "--threads", "1", "--lr", "5e-3",
                "--lora-r", "4", "--lora-alpha", "8", "--lora-targets", "c_attn,c_fc", "--rpo-alpha", "0", "--out", tmp.toString());
        assertEquals(0, cli.exitCode, cli.toString());
        assertTrue(cli.out.contains("LoRA r=4 alpha=8 on c_attn,c_fc"), cli.out);
        List<JsonObject> m = Jsonl.readObjects(tmp.resolve("metrics.jsonl"));
        assertEquals(3, m.size());
        assertEquals(Math.log(2), m.get(0).get("loss").getAsDouble(), 1e-6, "the fresh adapter (B = 0) is the reference");
        assertTrue(m.get(2).get("loss").getAsDouble() < Math.log(2) - 1e-5, "the adapters trained: " + m.get(2).get("loss"));
        JsonObject summary = Json.readObject(tmp.resolve("summary.json"));
        for (String key : new String[] {"reward_before", "reward_after", "kl"}) assertTrue(summary.has(key), key);
        // The samples after training come from the adapted policy, not the base: it has moved away from the reference.
        assertTrue(summary.get("kl").getAsDouble() > 1e-4, "KL " + summary.get("kl"));
        assertTrue(Files.isRegularFile(tmp.resolve("policy/model.safetensors")), "the policy, adapter merged");
    }
}
