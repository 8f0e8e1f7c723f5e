package jdpo.gpt2;

import com.google.gson.JsonObject;
import jdpo.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What config.json says about a model beyond its shapes. */
class Gpt2ConfigTest {

    @Test
    void aNewConfigSaysItsModelHasNoDropout(@TempDir Path tmp) throws IOException {
        Gpt2Config c = new Gpt2Config(2, 2, 8, 16, 30, 1e-5f, 29, 29);
        c.write(tmp.resolve("config.json"));
        JsonObject written = Gpt2Config.read(tmp.resolve("config.json")).toJson();
        for (String field : new String[] {"attn_pdrop", "embd_pdrop", "resid_pdrop"}) {
            assertEquals(0.0, written.get(field).getAsDouble(), field);
        }
    }

    @Test
    void aConfigReadFromAFileKeepsItsOwnDropout() {
        // transformers saved this one, with GPT-2's 0.1.
        JsonObject o = Gpt2Config.read(TestFiles.resource("hf/fake_gpt2/config.json")).toJson();
        for (String field : new String[] {"attn_pdrop", "embd_pdrop", "resid_pdrop"}) {
            assertEquals(0.1, o.get(field).getAsDouble(), field);
        }
    }
}
