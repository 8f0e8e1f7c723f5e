package jdpo.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated header of a safetensors file: where each tensor's bytes are and what they mean.
 *
 * <p>Layout: {@code u64 n} (little-endian), {@code n} bytes of UTF-8 JSON, then the data
 * section. The JSON maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin,
 * end]}} (offsets relative to the data section) plus an optional {@code "__metadata__"} map of
 * strings. The checks are the reference implementation's: {@code n <= 100 MB} and within the
 * file (tested before anything is allocated), the JSON is one object starting with '{', no name
 * twice, {@code end - begin = product(shape) * dtype size} without overflow, and the tensors,
 * sorted by offset, tile the data section from byte 0 to its last byte with no hole or overlap.
 */
final class SafetensorsHeader {
    /** The reference implementation's limit on the JSON header. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Element types the format defines, with their sizes in bytes. */
    enum Dtype {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2),
        I32(4), U32(4), F32(4), F64(8), I64(8), U64(8);

        final int bytes;

        Dtype(int bytes) { this.bytes = bytes; }

        static Dtype parse(String s) {
            for (Dtype d : values()) if (d.name().equals(s)) return d;
            return null;
        }
    }

    /** One tensor: its bytes are {@code [begin, end)} of the data section. */
    static final class Entry {
        final String name;
        final Dtype dtype;
        final long[] shape;
        final long begin;
        final long end;

        Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }
    }

    final Path file;
    /** File position of data-section byte 0: {@code 8 + n}. */
    final long dataStart;
    /** Tensors in header order. */
    final List<Entry> entries;
    final Map<String, String> metadata;

    private SafetensorsHeader(Path file, long dataStart, List<Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Reads and validates the header of {@code file}, open as {@code ch}. */
    static SafetensorsHeader read(Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw bad(file, "file has " + fileSize + " bytes, too short for a safetensors file (8-byte header length first)");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, len, 0);
        long n = len.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(file, "header length " + Long.toUnsignedString(n) + " is larger than the limit of "
                    + MAX_HEADER_BYTES + " bytes (corrupt file?)");
        }
        if (n > fileSize - 8) {
            throw bad(file, "header length " + n + " runs past the end of the file (" + fileSize
                    + " bytes; truncated or not a safetensors file?)");
        }
        byte[] json = new byte[(int) n];
        readFully(file, ch, ByteBuffer.wrap(json), 8);
        if (n == 0 || json[0] != '{') {
            throw bad(file, "header does not start with '{' (not a safetensors file?)");
        }
        String text = TextFiles.decodeUtf8(json, 0, json.length);
        if (text == null) throw bad(file, "header is not valid UTF-8");

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = parse(file, text, metadata);
        checkLayout(file, entries, fileSize - 8 - n);
        return new SafetensorsHeader(file, 8 + n, entries, metadata);
    }

    private static List<Entry> parse(Path file, String text, Map<String, String> metadata) {
        JsonReader in = new JsonReader(new StringReader(text));
        in.setStrictness(Strictness.STRICT);
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        try {
            in.beginObject();
            while (in.hasNext()) {
                String name = in.nextName();
                if (!names.add(name)) throw bad(file, "tensor " + Json.quote(name) + " appears twice in the header");
                if (name.equals("__metadata__")) {
                    readMetadata(file, in, metadata);
                } else {
                    entries.add(readEntry(file, in, name));
                }
            }
            in.endObject();
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw bad(file, "header is not valid JSON: " + Json.gsonMessage(e));
        }
        if (!Json.atEnd(in)) throw bad(file, "unexpected text after the header's JSON object");
        return entries;
    }

    private static void readMetadata(Path file, JsonReader in, Map<String, String> metadata) throws IOException {
        if (in.peek() != JsonToken.BEGIN_OBJECT) throw bad(file, "__metadata__ must be an object of strings, found " + in.peek());
        in.beginObject();
        while (in.hasNext()) {
            String key = in.nextName();
            if (metadata.containsKey(key)) throw bad(file, "__metadata__ key " + Json.quote(key) + " appears twice");
            if (in.peek() != JsonToken.STRING) {
                throw bad(file, "__metadata__ value of " + Json.quote(key) + " must be a string, found " + in.peek());
            }
            metadata.put(key, in.nextString());
        }
        in.endObject();
    }

    private static Entry readEntry(Path file, JsonReader in, String name) throws IOException {
        String where = "tensor " + Json.quote(name) + ": ";
        if (in.peek() != JsonToken.BEGIN_OBJECT) throw bad(file, where + "expected an object with dtype, shape and data_offsets, found " + in.peek());
        Dtype dtype = null;
        long[] shape = null;
        long[] offsets = null;
        Set<String> seen = new HashSet<>();
        in.beginObject();
        while (in.hasNext()) {
            String field = in.nextName();
            if (!seen.add(field)) throw bad(file, where + "field " + Json.quote(field) + " appears twice");
            switch (field) {
                case "dtype":
                    if (in.peek() != JsonToken.STRING) throw bad(file, where + "dtype must be a string, found " + in.peek());
                    String s = in.nextString();
                    dtype = Dtype.parse(s);
                    if (dtype == null) throw bad(file, where + "unknown dtype " + Json.quote(s));
                    break;
                case "shape":
                    shape = readIntegers(file, in, where + "shape");
                    break;
                case "data_offsets":
                    offsets = readIntegers(file, in, where + "data_offsets");
                    if (offsets.length != 2) throw bad(file, where + "data_offsets must be [begin, end], found " + offsets.length + " numbers");
                    break;
                default:
                    in.skipValue(); // the reference format ignores fields it does not know
            }
        }
        in.endObject();
        if (dtype == null) throw bad(file, where + "missing dtype");
        if (shape == null) throw bad(file, where + "missing shape");
        if (offsets == null) throw bad(file, where + "missing data_offsets");
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers that fit a long (the format's u64, within reason). */
    private static long[] readIntegers(Path file, JsonReader in, String what) throws IOException {
        if (in.peek() != JsonToken.BEGIN_ARRAY) throw bad(file, what + " must be an array of integers, found " + in.peek());
        long[] values = new long[4];
        int count = 0;
        in.beginArray();
        while (in.hasNext()) {
            if (in.peek() != JsonToken.NUMBER) throw bad(file, what + " must hold integers, found " + in.peek());
            String literal = in.nextString();
            if (!literal.matches("[0-9]+")) {
                throw bad(file, what + " must hold non-negative integers, found " + Json.shorten(literal));
            }
            long v;
            try {
                v = literal.length() > 19 ? -1 : Long.parseLong(literal);
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0) throw bad(file, what + " value " + Json.shorten(literal) + " is too large");
            if (count == values.length) values = Arrays.copyOf(values, count * 2);
            values[count++] = v;
        }
        in.endArray();
        return Arrays.copyOf(values, count);
    }

    /** Sizes agree with shapes, and the tensors tile {@code [0, dataLength)} exactly. */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) {
        for (Entry e : entries) {
            long needed = byteSize(file, e);
            if (e.end < e.begin) {
                throw bad(file, "tensor " + Json.quote(e.name) + ": data_offsets [" + e.begin + ", " + e.end + "] end before they begin");
            }
            if (e.end - e.begin != needed) {
                throw bad(file, "tensor " + Json.quote(e.name) + ": data_offsets [" + e.begin + ", " + e.end + "] span "
                        + (e.end - e.begin) + " bytes, but " + e.dtype + " " + Arrays.toString(e.shape) + " needs " + needed);
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.<Entry>comparingLong(e -> e.begin).thenComparingLong(e -> e.end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin > expected) {
                throw bad(file, "bytes [" + expected + ", " + e.begin + ") of the data belong to no tensor (a hole before tensor "
                        + Json.quote(e.name) + ")");
            }
            if (e.begin < expected) {
                throw bad(file, "tensor " + Json.quote(e.name) + " at [" + e.begin + ", " + e.end + ") overlaps tensor "
                        + Json.quote(previous.name) + " at [" + previous.begin + ", " + previous.end + ")");
            }
            expected = e.end;
            previous = e;
        }
        if (expected > dataLength) {
            throw bad(file, "tensor " + Json.quote(previous.name) + " ends at data byte " + expected + " but the file holds only "
                    + dataLength + " data bytes (truncated?)");
        }
        if (expected < dataLength) {
            throw bad(file, (dataLength - expected) + " bytes after the last tensor belong to no tensor (data section is "
                    + dataLength + " bytes, tensors cover " + expected + ")");
        }
    }

    /** product(shape) * dtype size, or an error when it does not fit a long. */
    private static long byteSize(Path file, Entry e) {
        try {
            long n = e.dtype.bytes;
            for (long d : e.shape) n = Math.multiplyExact(n, d);
            return n;
        } catch (ArithmeticException overflow) {
            throw bad(file, "tensor " + Json.quote(e.name) + ": shape " + Arrays.toString(e.shape) + " is too large (size overflows)");
        }
    }

    static void readFully(Path file, FileChannel ch, ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int r = ch.read(dst, position);
            if (r < 0) throw bad(file, "file ended early at byte " + position + " (changed while being read?)");
            position += r;
        }
    }

    static BadInputException bad(Path file, String what) {
        return new BadInputException(file + ": " + what);
    }
}
