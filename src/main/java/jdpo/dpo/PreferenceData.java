package jdpo.dpo;

import com.google.gson.JsonElement;
import jdpo.io.BadInputException;
import jdpo.io.Jsonl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Preference pairs from JSON Lines in TRL's standard formats: one object per line with the
 * strings {@code prompt}, {@code chosen} and {@code rejected} (explicit prompt), or with only
 * {@code chosen} and {@code rejected}, both starting with the same prompt (implicit prompt, as in
 * Anthropic's hh-rlhf), which is split off as TRL's {@code extract_prompt} does. Other fields
 * are ignored.
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
            String chosen = field(line, "chosen", where);
            String rejected = field(line, "rejected", where);
            String prompt;
            if (line.object().has("prompt")) {
                prompt = field(line, "prompt", where);
            } else {
                if (chosen.isEmpty() || rejected.isEmpty()) {
                    throw new BadInputException(where + ": \"" + (chosen.isEmpty() ? "chosen" : "rejected")
                            + "\" is empty; with no \"prompt\" field, chosen and rejected must both start with the prompt");
                }
                int split = sharedPromptLength(chosen, rejected);
                prompt = chosen.substring(0, split);
                chosen = chosen.substring(split);
                rejected = rejected.substring(split);
            }
            if (chosen.isEmpty()) throw new BadInputException(where + ": \"chosen\" is empty; a response needs at least one character");
            if (rejected.isEmpty()) throw new BadInputException(where + ": \"rejected\" is empty; a response needs at least one character");
            pairs.add(new PreferencePair(prompt, chosen, rejected, where));
        }
        if (pairs.isEmpty()) throw new BadInputException(file + ": no preference pairs (expected JSON lines with prompt, chosen, rejected)");
        return pairs;
    }

    /**
     * Where the prompt ends in an implicit-prompt pair, as TRL's {@code extract_prompt} splits
     * plain text: at the first character (code point) where chosen and rejected differ, moved
     * back by one when the character before it is a space, so that the space starts both
     * responses. When one is a prefix of the other, TRL's loop ends on the shorter one's last
     * character, and so does this: each response keeps at least that one. (With no common
     * prefix at all the prompt is empty; TRL then looks at chosen's last character instead.)
     *
     * @return the prompt's length in chars of {@code chosen}
     */
    static int sharedPromptLength(String chosen, String rejected) {
        int i = 0, last = 0;
        while (i < chosen.length() && i < rejected.length()) {
            int c = chosen.codePointAt(i), r = rejected.codePointAt(i);
            if (c != r) {
                return i > 0 && chosen.charAt(i - 1) == ' ' ? i - 1 : i;
            }
            last = i;
            i += Character.charCount(c);
        }
        return last;
    }

    private static String field(Jsonl.Line line, String name, String where) {
        JsonElement e = line.object().get(name);
        if (e == null) {
            throw new BadInputException(where + ": missing field \"" + name + "\" (each line needs chosen and rejected, "
                    + "and a prompt unless both start with it)");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new BadInputException(where + ": field \"" + name + "\" must be a string"
                    + (e.isJsonArray() ? " (conversational format with message lists is not supported; use plain text)" : ""));
        }
        return e.getAsString();
    }
}
