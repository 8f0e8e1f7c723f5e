package jdpo.io;

import com.google.gson.stream.JsonWriter;
import jdpo.tensor.Tensor;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Reads and writes the safetensors format, the one Hugging Face checkpoints use.
 *
 * <p>File = {@code u64 n} (little-endian) + {@code n} bytes of JSON header + data, where the header
 * gives each tensor's dtype, shape and byte range. Reading validates the header as the reference
 * implementation does (see {@link SafetensorsHeader}) before it allocates anything for the data,
 * then widens F32, F16 and BF16 values to float32 {@link Tensor}s. Any problem with the file is
 * a {@link BadInputException} naming the file, the tensor and what is wrong.
 *
 * <p>Data is read in chunks through a little-endian buffer with bulk copies, so a 500 MB
 * checkpoint loads in about the time the disk needs and in about its own size of memory.
 */
public final class Safetensors {
    private static final int CHUNK_BYTES = 1 << 20;

    private Safetensors() {}

    /** Every tensor of {@code file} as float32, in header order; scalars have shape []. */
    public static Map<String, Tensor> read(Path file) {
        return read(file, name -> true);
    }

    /**
     * The tensors of {@code file} whose names {@code include} accepts, in header order. The whole
     * header is validated; tensors left out are neither read nor held to the float dtypes (so a
     * loader can skip, say, a BOOL {@code attn.bias} mask buffer).
     */
    public static Map<String, Tensor> read(Path file, Predicate<String> include) {
        try (FileChannel ch = open(file)) {
            SafetensorsHeader header = SafetensorsHeader.read(file, ch);
            List<SafetensorsHeader.Entry> wanted = new ArrayList<>();
            for (SafetensorsHeader.Entry e : header.entries) if (include.test(e.name)) wanted.add(e);
            for (SafetensorsHeader.Entry e : wanted) checkReadable(file, e);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            long largest = 8;
            for (SafetensorsHeader.Entry e : wanted) largest = Math.max(largest, e.end - e.begin);
            ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, largest)).order(ByteOrder.LITTLE_ENDIAN);
            for (SafetensorsHeader.Entry e : wanted) {
                int[] shape = new int[e.shape.length];
                for (int i = 0; i < shape.length; i++) shape[i] = (int) e.shape[i];
                float[] values = new float[(int) ((e.end - e.begin) / e.dtype.bytes)];
                readValues(file, ch, header.dataStart + e.begin, e.dtype, values, chunk);
                tensors.put(e.name, Tensor.of(values, shape));
            }
            return tensors;
        } catch (IOException e) {
            throw FileProblems.reading(file, e);
        }
    }

    /**
     * Reads tensors straight into tensors the caller already has, so a checkpoint needs no second
     * copy in memory. For each tensor of the file, in header order, {@code target} is given its name
     * and shape and returns the tensor to fill (of that shape) or null to skip it unread.
     *
     * @return the names that were read
     */
    public static List<String> readInto(Path file, BiFunction<String, long[], Tensor> target) {
        try (FileChannel ch = open(file)) {
            SafetensorsHeader header = SafetensorsHeader.read(file, ch);
            List<String> read = new ArrayList<>();
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (SafetensorsHeader.Entry e : header.entries) {
                Tensor dst = target.apply(e.name, e.shape.clone());
                if (dst == null) continue;
                checkReadable(file, e);
                long[] want = Arrays.stream(dst.shape()).asLongStream().toArray();
                if (!Arrays.equals(want, e.shape)) {
                    throw new BadInputException(file + ": tensor " + Json.quote(e.name) + " has shape " + Arrays.toString(e.shape)
                            + ", expected " + Arrays.toString(want));
                }
                float[] values = dst.data;
                if (dst.offset == 0 && values.length == dst.size()) {
                    readValues(file, ch, header.dataStart + e.begin, e.dtype, values, chunk);
                } else {
                    readValuesAt(file, ch, header.dataStart + e.begin, e.dtype, dst, chunk);
                }
                read.add(e.name);
            }
            return read;
        } catch (IOException e) {
            throw FileProblems.reading(file, e);
        }
    }

    /** Like {@link #readValues} into a view that starts inside its array. */
    private static void readValuesAt(Path file, FileChannel ch, long position, SafetensorsHeader.Dtype dtype,
                                     Tensor dst, ByteBuffer chunk) throws IOException {
        int perChunk = chunk.capacity() / dtype.bytes;
        float[] buf = new float[Math.min(perChunk, dst.size())];
        for (int done = 0; done < dst.size(); ) {
            int k = Math.min(buf.length, dst.size() - done);
            float[] part = k == buf.length ? buf : new float[k];
            readValues(file, ch, position, dtype, part, chunk);
            System.arraycopy(part, 0, dst.data, dst.offset + done, k);
            position += (long) k * dtype.bytes;
            done += k;
        }
    }

    /**
     * The shape of every tensor, by name in header order, from the header alone (the header is
     * validated; no tensor data is read): enough to check a file against what a model expects
     * before allocating memory for it.
     */
    public static Map<String, long[]> readShapes(Path file) {
        try (FileChannel ch = open(file)) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : SafetensorsHeader.read(file, ch).entries) shapes.put(e.name, e.shape.clone());
            return shapes;
        } catch (IOException e) {
            throw FileProblems.reading(file, e);
        }
    }

    /** The header's {@code __metadata__} map (empty when absent); the header is validated. */
    public static Map<String, String> readMetadata(Path file) {
        try (FileChannel ch = open(file)) {
            return Collections.unmodifiableMap(SafetensorsHeader.read(file, ch).metadata);
        } catch (IOException e) {
            throw FileProblems.reading(file, e);
        }
    }

    private static FileChannel open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new BadInputException(file + ": is a directory, expected a .safetensors file");
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /** jdpo keeps float32 tensors in one Java array, so it takes float dtypes of at most 2^31-9 values. */
    private static void checkReadable(Path file, SafetensorsHeader.Entry e) {
        SafetensorsHeader.Dtype d = e.dtype;
        if (d != SafetensorsHeader.Dtype.F32 && d != SafetensorsHeader.Dtype.F16 && d != SafetensorsHeader.Dtype.BF16) {
            throw new BadInputException(file + ": tensor " + Json.quote(e.name) + " has dtype " + d
                    + "; jdpo reads only F32, F16 and BF16");
        }
        long count = (e.end - e.begin) / d.bytes;
        boolean dimsFit = Arrays.stream(e.shape).allMatch(n -> n <= Integer.MAX_VALUE);
        if (count > Integer.MAX_VALUE - 8 || !dimsFit) {
            throw new BadInputException(file + ": tensor " + Json.quote(e.name) + " with shape " + Arrays.toString(e.shape)
                    + " is too large for one Java array");
        }
    }

    private static void readValues(Path file, FileChannel ch, long position, SafetensorsHeader.Dtype dtype,
                                   float[] values, ByteBuffer chunk) throws IOException {
        int perChunk = chunk.capacity() / dtype.bytes;
        for (int done = 0; done < values.length; ) {
            int k = Math.min(perChunk, values.length - done);
            chunk.clear().limit(k * dtype.bytes);
            SafetensorsHeader.readFully(file, ch, chunk, position);
            chunk.flip();
            if (dtype == SafetensorsHeader.Dtype.F32) {
                chunk.asFloatBuffer().get(values, done, k);
            } else {
                ShortBuffer halves = chunk.asShortBuffer();
                boolean f16 = dtype == SafetensorsHeader.Dtype.F16;
                for (int i = 0; i < k; i++) {
                    short h = halves.get(i);
                    values[done + i] = f16 ? HalfPrecision.f16ToFloat(h) : HalfPrecision.bf16ToFloat(h);
                }
            }
            position += (long) k * dtype.bytes;
            done += k;
        }
    }

    /**
     * Writes {@code tensors} as F32 in map order, data contiguous in that order, the header padded
     * with spaces to a multiple of 8 bytes (as the reference writer does), {@code metadata} (may be
     * null or empty) as {@code __metadata__}. The file appears whole or not at all: it is written
     * under a temporary name, synced and renamed over {@code file} (see {@link AtomicFiles#write}).
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        AtomicFiles.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer start = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
                start.putLong(header.length).put(header).flip();
                writeFully(ch, start);
                int largest = 1;
                for (Tensor t : tensors.values()) largest = Math.max(largest, t.size());
                ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, 4L * largest))
                        .order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors.values()) writeValues(ch, t, chunk);
            }
        });
    }

    private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        StringWriter text = new StringWriter();
        try (JsonWriter w = new JsonWriter(text)) {
            w.setHtmlSafe(false);
            w.beginObject();
            if (metadata != null && !metadata.isEmpty()) {
                w.name("__metadata__").beginObject();
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    if (m.getKey() == null || m.getValue() == null) {
                        throw new IllegalArgumentException("metadata keys and values must not be null");
                    }
                    w.name(m.getKey()).value(m.getValue());
                }
                w.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                if (e.getKey() == null || e.getKey().equals("__metadata__")) {
                    throw new IllegalArgumentException("invalid tensor name " + e.getKey());
                }
                Tensor t = e.getValue();
                long end = offset + 4L * t.size();
                w.name(e.getKey()).beginObject().name("dtype").value("F32").name("shape").beginArray();
                for (int d : t.shape()) w.value(d);
                w.endArray().name("data_offsets").beginArray().value(offset).value(end).endArray().endObject();
                offset = end;
            }
            w.endObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to a StringWriter cannot fail", e);
        }
        byte[] json = text.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeValues(FileChannel ch, Tensor t, ByteBuffer chunk) throws IOException {
        int perChunk = chunk.capacity() / 4;
        for (int done = 0; done < t.size(); ) {
            int k = Math.min(perChunk, t.size() - done);
            chunk.clear();
            FloatBuffer floats = chunk.asFloatBuffer();
            floats.put(t.data, t.offset + done, k);
            chunk.limit(4 * k);
            writeFully(ch, chunk);
            done += k;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) ch.write(src);
    }
}
