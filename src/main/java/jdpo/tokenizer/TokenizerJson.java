package jdpo.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonWriter;
import jdpo.io.BadInputException;
import jdpo.io.IoConsumer;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code tokenizer.json}, the Hugging Face {@code tokenizers} library's one-file form of a
 * tokenizer, which transformers 5.x saves instead of vocab.json and merges.txt; and
 * {@code tokenizer_config.json}, which tells transformers which tokenizer class to build.
 *
 * <p>For GPT-2 the file holds a byte-level BPE: {@code model.type = "BPE"},
 * {@code model.vocab} (token string to id, tokens spelled in {@link ByteAlphabet} characters, as
 * in vocab.json), {@code model.merges} in rank order, each either {@code ["left", "right"]} (what
 * {@code tokenizers} 0.20 and later write) or {@code "left right"} (what earlier versions wrote),
 * and {@code added_tokens}, each {@code {"id", "content", "special", ...}}: tokens matched as
 * whole strings before BPE, {@code <|endoftext|>} for GPT-2. An added token may be missing from
 * {@code model.vocab}; its id is its own then. Only this byte-level BPE is read: a file of
 * another model type or pre-tokenizer (WordPiece, SentencePiece's Metaspace) is refused, as
 * jdpo's tokenizer would give it wrong ids.
 */
final class TokenizerJson {

    static final String FILE = "tokenizer.json";
    static final String CONFIG = "tokenizer_config.json";

    private TokenizerJson() {
    }

    /** The token of every id and the merges by rank ({left, right, merged} ids), read from tokenizer.json. */
    static Tokenizer read(Path file) {
        JsonObject root;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement e = JsonParser.parseReader(in);
            if (!e.isJsonObject()) throw bad(file, "not a JSON object");
            root = e.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw bad(file, "not UTF-8 text");
        } catch (IOException | JsonParseException e) {
            throw bad(file, "not JSON (" + String.valueOf(e.getMessage()).replaceAll("\\s+", " ") + ")");
        }
        JsonObject model = object(root, "model", file);
        String type = model.has("type") && model.get("type").isJsonPrimitive() ? model.get("type").getAsString() : "";
        if (!type.equals("BPE")) throw bad(file, "model type is \"" + type + "\"; jdpo reads GPT-2's byte-level BPE only");
        JsonElement pre = root.get("pre_tokenizer");
        if (pre == null || !pre.isJsonObject() || !"ByteLevel".equals(string(pre.getAsJsonObject(), "type"))) {
            throw bad(file, "the pre-tokenizer is not ByteLevel; jdpo reads GPT-2's byte-level BPE only");
        }

        Map<String, Integer> ids = new HashMap<>();
        JsonObject vocab = object(model, "vocab", file);
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) ids.put(e.getKey(), id(e.getValue(), e.getKey(), file));
        if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
            for (JsonElement e : root.getAsJsonArray("added_tokens")) {
                if (!e.isJsonObject()) throw bad(file, "an added token is not an object");
                JsonObject t = e.getAsJsonObject();
                String content = string(t, "content");
                if (content == null) throw bad(file, "an added token has no \"content\"");
                int id = id(t.get("id"), content, file);
                Integer was = ids.put(content, id);
                if (was != null && was != id) {
                    throw bad(file, "added token " + TokenizerFiles.quote(content) + " has id " + id + " but the vocabulary gives it " + was);
                }
            }
        }
        String[] tokens = TokenizerFiles.tokensById(ids, file);

        JsonElement mergesElement = model.get("merges");
        if (mergesElement == null || !mergesElement.isJsonArray()) throw bad(file, "model.merges is not a list");
        JsonArray merges = mergesElement.getAsJsonArray();
        int[][] rules = new int[3][merges.size()];
        Map<Long, Integer> rankOfPair = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) {
            String[] pair = mergePair(merges.get(r), r, file);
            String where = "merge " + (r + 1);
            int left = idOf(ids, pair[0], file, where), right = idOf(ids, pair[1], file, where);
            rules[0][r] = left;
            rules[1][r] = right;
            rules[2][r] = idOf(ids, pair[0] + pair[1], file, where);
            Integer earlier = rankOfPair.put(((long) left << 32) | right, r + 1);
            if (earlier != null) throw bad(file, where + " repeats merge " + earlier);
        }
        return new Tokenizer(tokens, new Merges(rules[0], rules[1], rules[2]), file.toString());
    }

    /** One merge in either serialization: {@code ["a", "b"]} or {@code "a b"}. */
    private static String[] mergePair(JsonElement e, int rank, Path file) {
        if (e.isJsonArray() && e.getAsJsonArray().size() == 2
                && e.getAsJsonArray().get(0).isJsonPrimitive() && e.getAsJsonArray().get(1).isJsonPrimitive()) {
            return new String[] {e.getAsJsonArray().get(0).getAsString(), e.getAsJsonArray().get(1).getAsString()};
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            String line = e.getAsString();
            int space = line.indexOf(' ');
            if (space > 0 && space < line.length() - 1 && line.indexOf(' ', space + 1) < 0) {
                return new String[] {line.substring(0, space), line.substring(space + 1)};
            }
        }
        throw bad(file, "merge " + (rank + 1) + " is neither [\"left\", \"right\"] nor \"left right\": " + e);
    }

    /**
     * Writes tokenizer.json (the vocabulary, merges as pairs, {@code <|endoftext|>} as an added
     * special token) and tokenizer_config.json, so that transformers' AutoTokenizer builds its fast
     * GPT-2 tokenizer from them. Each goes to a temporary name first, then is renamed.
     */
    static void write(Path dir, String[] tokens, Merges merges, int eos) throws IOException {
        writeJson(dir.resolve(FILE), json -> {
            json.beginObject();
            json.name("version").value("1.0");
            json.name("truncation").nullValue();
            json.name("padding").nullValue();
            json.name("added_tokens").beginArray();
            if (eos >= 0) {
                json.beginObject().name("id").value(eos).name("content").value(tokens[eos]).name("single_word").value(false)
                        .name("lstrip").value(false).name("rstrip").value(false).name("normalized").value(false)
                        .name("special").value(true).endObject();
            }
            json.endArray();
            json.name("normalizer").nullValue();
            // GPT-2's settings: no space added before the text; the regex split of PreTokenizer.
            byteLevel(json.name("pre_tokenizer"), false, true);
            byteLevel(json.name("post_processor"), true, false);
            byteLevel(json.name("decoder"), true, true);
            json.name("model").beginObject();
            json.name("type").value("BPE");
            json.name("dropout").nullValue();
            json.name("unk_token").nullValue();
            json.name("continuing_subword_prefix").value("");
            json.name("end_of_word_suffix").value("");
            json.name("fuse_unk").value(false);
            json.name("byte_fallback").value(false);
            json.name("ignore_merges").value(false);
            json.name("vocab").beginObject();
            for (int id = 0; id < tokens.length; id++) json.name(tokens[id]).value(id);
            json.endObject();
            json.name("merges").beginArray();
            json.setIndent("");  // one merge a line would double the file's lines; pairs stay compact
            for (int r = 0; r < merges.count(); r++) {
                json.beginArray().value(tokens[merges.left(r)]).value(tokens[merges.right(r)]).endArray();
            }
            json.endArray();
            json.setIndent(" ");
            json.endObject();
            json.endObject();
        });
        writeJson(dir.resolve(CONFIG), json -> {
            json.beginObject();
            json.name("tokenizer_class").value("GPT2Tokenizer");
            json.name("add_prefix_space").value(false);
            json.name("errors").value("replace");
            if (eos >= 0) {
                for (String role : new String[] {"bos_token", "eos_token", "unk_token"}) json.name(role).value(tokens[eos]);
            }
            json.endObject();
        });
    }

    /** Writes {@code file} through a temporary name, then renames it: a reader never sees half of it. */
    private static void writeJson(Path file, IoConsumer<JsonWriter> body) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (JsonWriter json = new JsonWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8))) {
            json.setHtmlSafe(false);
            json.setIndent(" ");
            body.accept(json);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void byteLevel(JsonWriter json, boolean addPrefixSpace, boolean trimOffsets) throws IOException {
        json.beginObject().name("type").value("ByteLevel").name("add_prefix_space").value(addPrefixSpace)
                .name("trim_offsets").value(trimOffsets).name("use_regex").value(true).endObject();
    }

    private static JsonObject object(JsonObject o, String name, Path file) {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonObject()) throw bad(file, "\"" + name + "\" is missing or not an object");
        return e.getAsJsonObject();
    }

    private static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    private static int id(JsonElement e, String token, Path file) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw bad(file, "the id of token " + TokenizerFiles.quote(token) + " is not a number");
        }
        double id = e.getAsDouble();
        if (id != Math.rint(id) || id < 0 || id >= Integer.MAX_VALUE) {
            throw bad(file, "the id of token " + TokenizerFiles.quote(token) + " is not a non-negative integer: " + id);
        }
        return (int) id;
    }

    private static int idOf(Map<String, Integer> ids, String token, Path file, String where) {
        Integer id = ids.get(token);
        if (id == null) throw bad(file, where + ": token " + TokenizerFiles.quote(token) + " is not in the vocabulary");
        return id;
    }

    private static BadInputException bad(Path file, String what) {
        return new BadInputException(file + ": " + what);
    }
}
