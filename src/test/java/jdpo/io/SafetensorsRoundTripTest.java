package jdpo.io;

import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    /** Random names (quotes, backslashes, non-ASCII), shapes (scalars, zero dims), raw bit patterns. */
    static Map<String, Tensor> randomTensors(Rng rng) {
        String[] pieces = {"h", ".", "0", "attn", "w", "\"", "\\", "é", "名", " ", "/", "_", "\u2028", "\t"};
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int count = rng.nextInt(0, 6);
        while (tensors.size() < count) {
            StringBuilder name = new StringBuilder();
            for (int i = rng.nextInt(0, 5); i >= 0; i--) name.append(pieces[rng.nextInt(pieces.length)]);
            if (name.toString().equals("__metadata__")) continue;
            int[] shape = new int[rng.nextInt(0, 4)];
            for (int d = 0; d < shape.length; d++) shape[d] = rng.nextInt(10) == 0 ? 0 : rng.nextInt(1, 5);
            Tensor t = Tensor.zeros(shape);
            for (int i = 0; i < t.size(); i++) {
                // Any 32-bit pattern, NaN payloads included, must come back unchanged.
                t.put(i, rng.nextInt(4) == 0 ? Float.intBitsToFloat((int) rng.nextLong()) : (float) rng.nextGaussian());
            }
            tensors.put(name.toString(), t);
        }
        return tensors;
    }

    static Map<String, String> randomMetadata(Rng rng) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = rng.nextInt(0, 3); i > 0; i--) m.put("k" + rng.nextInt(100) + "\"é", "v\n" + rng.nextLong());
        return m;
    }

    @TestFactory
    Stream<DynamicTest> randomValidFilesRoundTripBitExactly() {
        return IntStream.range(0, 200).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            Rng rng = new Rng(1000 + seed);
            Map<String, Tensor> tensors = randomTensors(rng);
            Map<String, String> metadata = randomMetadata(rng);
            Path file = dir.resolve("t" + seed + ".safetensors");
            Safetensors.write(file, tensors, metadata);

            Map<String, Tensor> back = Safetensors.read(file);
            assertEquals(new ArrayList<>(tensors.keySet()), new ArrayList<>(back.keySet()), "names in order");
            for (String name : tensors.keySet()) {
                Tensor a = tensors.get(name);
                Tensor b = back.get(name);
                assertArrayEquals(a.shape(), b.shape(), name);
                assertArrayEquals(bits(a), bits(b), name);
            }
            assertEquals(metadata, Safetensors.readMetadata(file));
            assertLayoutIsTheReferenceWritersLayout(file, tensors);
        }));
    }

    private static int[] bits(Tensor t) {
        int[] b = new int[t.size()];
        for (int i = 0; i < b.length; i++) b[i] = Float.floatToRawIntBits(t.at(i));
        return b;
    }

    /** Header a multiple of 8 bytes padded with spaces; offsets contiguous in map order; data LE. */
    private static void assertLayoutIsTheReferenceWritersLayout(Path file, Map<String, Tensor> tensors) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8, "header length is a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"));
        assertEquals(header.stripTrailing(), header.replaceAll(" +$", ""), "padding is spaces only");
        long expectedSize = 8 + n;
        for (Tensor t : tensors.values()) expectedSize += 4L * t.size();
        assertEquals(expectedSize, bytes.length);
        int pos = (int) (8 + n);
        for (Tensor t : tensors.values()) {
            for (int i = 0; i < t.size(); i++, pos += 4) {
                assertEquals(Float.floatToRawIntBits(t.at(i)), b.getInt(pos));
            }
        }
    }

    @Test
    void viewsAreWrittenAsTheirOwnElements() {
        Tensor parent = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Path file = dir.resolve("view.safetensors");
        Safetensors.write(file, Map.of("middle", parent.row(1)), null);
        Tensor back = Safetensors.read(file).get("middle");
        assertArrayEquals(new int[] {2}, back.shape());
        assertArrayEquals(new float[] {3, 4}, back.toArray());
        assertEquals(Map.of(), Safetensors.readMetadata(file));
    }

    @Test
    void handWrittenFileWithDataOutOfHeaderOrderAndMixedDtypes() throws IOException {
        // Header order (b, a, s, h, z) differs from data order (a, h, b, s, z): offsets decide.
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                + "\"z\":{\"dtype\":\"F16\",\"shape\":[3,0],\"data_offsets\":[20,20],\"extra\":[1,{\"x\":2}]}}";
        byte[] data = RawSafetensors.concat(RawSafetensors.f32(1.5f, -2f), RawSafetensors.u16(0x3C00, 0xC000),
                RawSafetensors.u16(0x3F80, 0x4049), RawSafetensors.f32(7f));
        Path file = dir.resolve("mixed.safetensors");
        Files.write(file, RawSafetensors.of(header, data));

        Map<String, Tensor> t = Safetensors.read(file);
        assertEquals(List.of("b", "a", "s", "h", "z"), new ArrayList<>(t.keySet()));
        assertArrayEquals(new float[] {1.5f, -2f}, t.get("a").toArray());
        assertArrayEquals(new int[] {2, 1}, t.get("a").shape());
        assertArrayEquals(new float[] {1f, -2f}, t.get("h").toArray());
        assertArrayEquals(new float[] {1f, 3.140625f}, t.get("b").toArray());
        assertArrayEquals(new int[0], t.get("s").shape());
        assertEquals(7f, t.get("s").at(0));
        assertArrayEquals(new int[] {3, 0}, t.get("z").shape());
        assertEquals(Map.of("format", "pt"), Safetensors.readMetadata(file));
    }

    @Test
    void largeTensorsCrossTheReadChunkBoundaryIntact() {
        // 1 MiB chunks: 300k floats (1.2 MB) and an odd tail exercise the chunk loop.
        Rng rng = new Rng(5);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("big", Tensor.randn(rng, 1f, 300_001));
        tensors.put("after", Tensor.randn(rng, 1f, 7));
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt"));
        Map<String, Tensor> back = Safetensors.read(file);
        assertTrue(Arrays.equals(tensors.get("big").toArray(), back.get("big").toArray()));
        assertTrue(Arrays.equals(tensors.get("after").toArray(), back.get("after").toArray()));
    }

    @Test
    void writingReplacesAnExistingFileWhole() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, Map.of("x", Tensor.of(new float[] {1, 2, 3}, 3)), null);
        Safetensors.write(file, Map.of("y", Tensor.of(new float[] {4}, 1)), null);
        assertEquals(List.of("y"), new ArrayList<>(Safetensors.read(file).keySet()));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary file left behind");
        }
    }
}
