package jdpo.dpo;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.TestFiles;
import jdpo.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Preference lines with no "prompt": chosen and rejected both start with it, and it is split off
 * as TRL's {@code extract_prompt} splits it ({@code scripts/reference/trl_extract_prompt.py}
 * recorded TRL's answers on edge cases: a space before the first difference, a prefix, equal
 * strings, CJK, an emoji that differs only in its second UTF-16 unit, no common prefix).
 */
class ImplicitPromptTest {

    @Test
    void splitsAsTrlDoes(@TempDir Path tmp) throws IOException {
        JsonObject fixture = JsonParser.parseString(Files.readString(
                TestFiles.resource("fixtures/interop/trl-extract-prompt.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        List<JsonObject> cases = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (JsonElement e : fixture.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            JsonObject line = new JsonObject();
            line.add("chosen", c.get("in_chosen"));
            line.add("rejected", c.get("in_rejected"));
            cases.add(c);
            lines.add(line.toString());
        }
        Path file = tmp.resolve("implicit.jsonl");
        Files.write(file, lines, StandardCharsets.UTF_8);
        List<PreferencePair> pairs = PreferenceData.read(file);
        assertEquals(cases.size(), pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            JsonObject c = cases.get(i);
            PreferencePair p = pairs.get(i);
            String what = "case " + i + " " + c.get("in_chosen") + " / " + c.get("in_rejected");
            assertEquals(c.get("prompt").getAsString(), p.prompt, what + ": prompt");
            assertEquals(c.get("chosen").getAsString(), p.chosen, what + ": chosen");
            assertEquals(c.get("rejected").getAsString(), p.rejected, what + ": rejected");
        }
    }

    @Test
    void anExplicitPromptIsTakenAsItIs(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("explicit.jsonl");
        Files.writeString(file, "{\"prompt\": \"The sky is\", \"chosen\": \"The sky is blue\", \"rejected\": \"no\"}\n");
        PreferencePair p = PreferenceData.read(file).get(0);
        assertEquals("The sky is", p.prompt);
        assertEquals("The sky is blue", p.chosen);
    }

    @Test
    void anEmptyResponseWithoutAPromptIsRefusedNamingTheLine(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("empty.jsonl");
        Files.writeString(file, "{\"chosen\": \"a\", \"rejected\": \"b\"}\n{\"chosen\": \"\", \"rejected\": \"b\"}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> PreferenceData.read(file));
        assertTrue(e.getMessage().startsWith(file + ":2: \"chosen\" is empty"), e.getMessage());
    }
}
