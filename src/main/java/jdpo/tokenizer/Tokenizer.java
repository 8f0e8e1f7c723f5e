package jdpo.tokenizer;

import jdpo.io.BadInputException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2's byte-level BPE tokenizer: text to token ids and back, exactly as GPT-2 (and Hugging
 * Face's {@code GPT2Tokenizer}, and tiktoken's {@code r50k_base}) do it.
 * <pre>
 *   encode: text -> pre-tokens ({@link PreTokenizer}) -> UTF-8 bytes of each -> one byte token
 *           per byte -> merges by rank ({@link Merges}) -> ids
 *   decode: ids -> the bytes of each token, concatenated -> UTF-8 text
 * </pre>
 * Every byte has a token, so any text encodes and {@code decode(encode(s)).equals(s)}. The one
 * exception: a Java string may hold an unpaired surrogate, which has no UTF-8 form; it is encoded
 * as U+FFFD, the replacement character (Python would refuse such a string).
 *
 * <p>{@value #END_OF_TEXT} (id 50256 in GPT-2) is the special token that separates documents.
 * {@link #encode} treats it as plain text (like tiktoken's {@code encode_ordinary}), so text
 * from users cannot smuggle one in; {@link #encodeWithSpecial} turns it into the special id.
 * Decoding always renders it.
 *
 * <p>Instances are immutable apart from a cache of encoded pre-tokens, and safe to share
 * between threads.
 */
public final class Tokenizer {

    /** The text of GPT-2's one special token, the document separator. */
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** Hugging Face's unknown token: stands in for bytes a vocabulary without byte tokens lacks. */
    private static final String UNKNOWN = "<unk>";
    /** Pre-tokens cached at most; English needs a few tens of thousands. */
    private static final int CACHE_LIMIT = 1 << 17;

    private final String[] tokens;
    private final byte[][] tokenBytes;
    private final Map<String, Integer> ids;
    /** The id of each byte's single-byte token, or -1 where the vocabulary has none. */
    private final int[] byteIds = new int[256];
    private final Merges merges;
    private final int eos, unk;
    /** Names the vocabulary in error messages (its vocab.json, or how it was made). */
    private final String origin;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Tokenizer(String[] tokens, Merges merges, String origin) {
        this.tokens = tokens.clone();
        this.merges = merges;
        this.origin = origin;
        tokenBytes = new byte[tokens.length][];
        ids = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            tokenBytes[id] = ByteAlphabet.toBytes(tokens[id]);
            ids.put(tokens[id], id);
        }
        for (int b = 0; b < 256; b++) byteIds[b] = ids.getOrDefault(String.valueOf(ByteAlphabet.charOf(b)), -1);
        eos = ids.getOrDefault(END_OF_TEXT, -1);
        unk = ids.getOrDefault(UNKNOWN, -1);
    }

    /**
     * Reads the tokenizer of a (Hugging Face) model directory: {@code vocab.json} and
     * {@code merges.txt}, or, when neither is there, {@code tokenizer.json} (what transformers
     * 5.x saves).
     */
    public static Tokenizer load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new BadInputException(modelDir + ": not a directory (a tokenizer directory holds "
                    + TokenizerFiles.VOCAB + " and " + TokenizerFiles.MERGES + ", or " + TokenizerJson.FILE + ")");
        }
        Path vocab = modelDir.resolve(TokenizerFiles.VOCAB), merges = modelDir.resolve(TokenizerFiles.MERGES);
        Path json = modelDir.resolve(TokenizerJson.FILE);
        if (!Files.exists(vocab) && !Files.exists(merges) && Files.exists(json)) return TokenizerJson.read(json);
        return fromFiles(vocab, merges);
    }

    /** Reads a vocabulary ({@code vocab.json}) and its merges ({@code merges.txt}). */
    public static Tokenizer fromFiles(Path vocabJson, Path mergesTxt) {
        String[] tokens = TokenizerFiles.readVocab(vocabJson);
        Map<String, Integer> ids = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) ids.put(tokens[id], id);
        int[][] rules = TokenizerFiles.readMerges(mergesTxt, ids);
        return new Tokenizer(tokens, new Merges(rules[0], rules[1], rules[2]), vocabJson.toString());
    }

    /**
     * Writes {@code vocab.json} and {@code merges.txt} (what transformers 4.x and GPT-2 read) and
     * {@code tokenizer.json} with {@code tokenizer_config.json} (what transformers' fast
     * tokenizer reads) into {@code dir}.
     */
    public void save(Path dir) {
        try {
            TokenizerFiles.write(dir, tokens, merges);
            TokenizerJson.write(dir, tokens, merges, eos);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the tokenizer files (" + e.getMessage() + ")", e);
        }
    }

    /** The ids of {@code text}, with {@value #END_OF_TEXT} encoded as the plain text it is. */
    public int[] encode(String text) {
        IdList out = new IdList(text.length() / 3 + 4);
        encodeOrdinary(Utf8.withoutLoneSurrogates(text), out);
        return out.toArray();
    }

    /** The ids of {@code text}, where each {@value #END_OF_TEXT} becomes the special token's id. */
    public int[] encodeWithSpecial(String text) {
        if (eos < 0) return encode(text);
        String clean = Utf8.withoutLoneSurrogates(text);
        IdList out = new IdList(text.length() / 3 + 4);
        int from = 0;
        for (int at; (at = clean.indexOf(END_OF_TEXT, from)) >= 0; from = at + END_OF_TEXT.length()) {
            encodeOrdinary(clean.substring(from, at), out);
            out.add(eos);
        }
        encodeOrdinary(clean.substring(from), out);
        return out.toArray();
    }

    private void encodeOrdinary(String text, IdList out) {
        for (int start = 0, end; start < text.length(); start = end) {
            end = PreTokenizer.end(text, start);
            String piece = text.substring(start, end);
            int[] pieceIds = cache.get(piece);
            if (pieceIds == null) {
                pieceIds = bpe(piece);
                if (cache.size() < CACHE_LIMIT) cache.putIfAbsent(piece, pieceIds);
            }
            out.addAll(pieceIds);
        }
    }

    /** One pre-token: its UTF-8 bytes as byte tokens, merged. */
    private int[] bpe(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int[] word = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            int id = byteIds[bytes[i] & 0xFF];
            if (id < 0) id = unknownByte(bytes[i] & 0xFF);
            word[i] = id;
        }
        return merges.apply(word);
    }

    private int unknownByte(int b) {
        if (unk >= 0) return unk;
        throw new BadInputException(String.format(
                "%s: the vocabulary has no token for byte 0x%02X and no %s token", origin, b, UNKNOWN));
    }

    /**
     * The text of {@code ids}; byte sequences that are not UTF-8 decode to U+FFFD as in Hugging
     * Face ({@code errors="replace"}, see {@link Utf8}).
     */
    public String decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    /** The text of {@code ids[from..to)}. */
    public String decode(int[] ids, int from, int to) {
        return Utf8.decode(decodeBytes(ids, from, to));
    }

    /** The text of {@code ids}. */
    public String decode(List<Integer> ids) {
        return decode(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The bytes of {@code ids[from..to)}: each token's bytes, concatenated. */
    public byte[] decodeBytes(int[] ids, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4 * (to - from));
        for (int i = from; i < to; i++) out.writeBytes(bytesOf(ids[i]));
        return out.toByteArray();
    }

    private byte[] bytesOf(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new BadInputException("token id " + id + " is outside the vocabulary of "
                    + tokens.length + " tokens (" + origin + ")");
        }
        return tokenBytes[id];
    }

    /** The decoded text of one token; a token holding part of a character shows U+FFFD. */
    public String tokenText(int id) {
        return Utf8.decode(bytesOf(id));
    }

    /** The bytes of one token. */
    public byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    /** The token as vocab.json spells it, in {@code bytes_to_unicode} characters (" world" is "Ġworld"). */
    public String tokenString(int id) {
        bytesOf(id);
        return tokens[id];
    }

    /** The id of a token spelled as in vocab.json, if the vocabulary has it. */
    public OptionalInt id(String tokenString) {
        Integer id = ids.get(tokenString);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Number of tokens, ids 0..vocabSize()-1 (50257 for GPT-2). */
    public int vocabSize() {
        return tokens.length;
    }

    /**
     * The id of {@value #END_OF_TEXT} (50256 in GPT-2). GPT-2 uses it as end of sequence, as
     * beginning of sequence and (in TRL) as padding.
     */
    public int eosId() {
        if (eos < 0) throw new BadInputException(origin + ": the vocabulary has no " + END_OF_TEXT + " token");
        return eos;
    }

    Merges merges() {
        return merges;
    }

    /** Forgets the encoded pre-tokens (for measuring the merge loop itself). */
    void clearCache() {
        cache.clear();
    }

    /** A growable int array. */
    private static final class IdList {
        private int[] a;
        private int size;

        IdList(int capacity) {
            a = new int[Math.max(capacity, 4)];
        }

        void add(int id) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[size++] = id;
        }

        void addAll(int[] more) {
            if (size + more.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, size + more.length));
            System.arraycopy(more, 0, a, size, more.length);
            size += more.length;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
