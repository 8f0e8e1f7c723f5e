package jdpo.dpo;

import com.google.gson.JsonElement;
import jdpo.io.BadInputException;
import jdpo.io.Jsonl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Preference pairs from JSON Lines in TRL's standard format: one object per line with the
 * strings {@code prompt}, {@code chosen} and {@code rejected}. Other fields are ignored.
 */
public final class PreferenceData {
    private PreferenceData() {}

    public static List<PreferencePair> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": " + (Files.isDirectory(file) ? "is a directory, expected a .jsonl file"
                    : Files.exists(file) ? "not a regular file" : "no such file"));
        }
        List<PreferencePair> pairs = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.readLines(file)) {
            String where = line.where();
            String prompt = field(line, "prompt", where);
            String chosen = field(line, "chosen", where);
            String rejected = field(line, "rejected", where);
            if (chosen.isEmpty()) throw new BadInputException(where + ": \"chosen\" is empty; a response needs at least one character");
            if (rejected.isEmpty()) throw new BadInputException(where + ": \"rejected\" is empty; a response needs at least one character");
            pairs.add(new PreferencePair(prompt, chosen, rejected, where));
        }
        if (pairs.isEmpty()) throw new BadInputException(file + ": no preference pairs (expected JSON lines with prompt, chosen, rejected)");
        return pairs;
    }

    private static String field(Jsonl.Line line, String name, String where) {
        JsonElement e = line.object().get(name);
        if (e == null) {
            throw new BadInputException(where + ": missing field \"" + name + "\" (each line needs prompt, chosen, rejected)");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new BadInputException(where + ": field \"" + name + "\" must be a string"
                    + (e.isJsonArray() ? " (conversational format with message lists is not supported; use plain text)" : ""));
        }
        return e.getAsString();
    }
}
