package jdpo.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdpo.tensor.Tensor;

import static jdpo.io.RawSafetensors.concat;
import static jdpo.io.RawSafetensors.f32;
import static jdpo.io.RawSafetensors.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each rule of the format, broken on purpose by a hand-built file. */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    private static final String B = "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}";

    /** Reading {@code bytes} fails with one line naming the file and containing each fragment. */
    private void rejects(byte[] bytes, String... fragments) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, bytes);
        BadInputException e = assertThrows(BadInputException.class, () -> Safetensors.read(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString() + ": "), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "expected '" + f + "' in: " + m);
    }

    private void rejectsHeader(String header, byte[] data, String... fragments) throws IOException {
        rejects(RawSafetensors.of(header, data), fragments);
    }

    private static byte[] withLength(long n, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(n).put(rest).array();
    }

    @Test
    void theValidBaseFileLoads() throws IOException {
        Path file = dir.resolve("ok.safetensors");
        Files.write(file, RawSafetensors.of("{" + A + "," + B + "}", f32(1, 2, 3)));
        assertEquals(2, Safetensors.read(file).size());
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        rejects(new byte[0], "0 bytes", "too short");
        rejects(new byte[7], "7 bytes", "too short");
    }

    @Test
    void absurdHeaderLengthsAreRefusedBeforeAllocating() throws IOException {
        rejects(withLength(1L << 62, new byte[16]), "header length 4611686018427387904", "limit");
        rejects(withLength(-1L, new byte[16]), "header length 18446744073709551615", "limit");
        rejects(withLength(100_000_001L, new byte[16]), "100000001", "limit");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        byte[] header = "{}      ".getBytes();
        rejects(withLength(header.length + 1, header), "header length 9", "past the end");
    }

    @Test
    void headerMustStartWithABrace() throws IOException {
        rejectsHeader(" {}     ", new byte[0], "does not start with '{'");
        rejectsHeader("[]      ", new byte[0], "does not start with '{'");
        rejects(withLength(0, new byte[0]), "does not start with '{'");
    }

    @Test
    void headerMustBeUtf8() throws IOException {
        byte[] h = "{\"\u00e9\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        h[3] = (byte) 0xFF;
        rejects(RawSafetensors.of(h, new byte[0]), "not valid UTF-8");
    }

    @Test
    void headerMustBeOneJsonObject() throws IOException {
        rejectsHeader("{\"a\":", new byte[0], "not valid JSON");
        rejectsHeader("{\"a\" 1}", new byte[0], "not valid JSON");
        rejectsHeader("{} {}", new byte[0], "after the header");
        rejectsHeader("{'a':{}}", new byte[0], "not valid JSON");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,4]}}", f32(1), "not valid JSON");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        rejectsHeader("{" + A + "," + A.replace("[0,8]", "[8,16]") + "}", f32(1, 2, 3, 4), "\"a\"", "twice");
    }

    @Test
    void duplicateFieldsInsideAnEntryOrTheMetadata() throws IOException {
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1),
                "tensor \"a\"", "\"dtype\" appears twice");
        rejectsHeader("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," + A + "}", f32(1, 2), "\"k\" appears twice");
    }

    @Test
    void entriesNeedDtypeShapeAndOffsetsOfTheRightTypes() throws IOException {
        rejectsHeader("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1), "tensor \"a\"", "missing dtype");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", f32(1), "tensor \"a\"", "missing shape");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", f32(1), "tensor \"a\"", "missing data_offsets");
        rejectsHeader("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1), "tensor \"a\"", "dtype must be a string");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", f32(1), "tensor \"a\"", "shape must be an array");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", f32(1), "tensor \"a\"", "non-negative");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", f32(1), "tensor \"a\"", "non-negative integers");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", f32(1), "data_offsets must hold integers");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", f32(1), "[begin, end]");
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", f32(1), "too large");
        rejectsHeader("{\"a\":[0,4]}", f32(1), "tensor \"a\"", "expected an object");
    }

    @Test
    void namesWithControlCharactersAreEscapedSoTheMessageStaysOneLine() throws IOException {
        rejectsHeader("{\"a\\nb\\\"c\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", zeros(1),
                "tensor \"a\\u000ab\\\"c\" has dtype I8");
    }

    @Test
    void unknownDtype() throws IOException {
        rejectsHeader("{\"a\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1), "tensor \"a\"", "unknown dtype \"F17\"");
    }

    @Test
    void validButUnsupportedDtypesAreNamed() throws IOException {
        rejectsHeader("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", zeros(8), "\"ids\"", "I64", "F32, F16 and BF16");
        rejectsHeader("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", zeros(3), "\"m\"", "BOOL");
        rejectsHeader("{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", zeros(8), "\"d\"", "F64");
    }

    @Test
    void tensorsLeftOutAreNotHeldToTheFloatDtypesButTheHeaderStillIs() throws IOException {
        Path file = dir.resolve("mask.safetensors");
        Files.write(file, RawSafetensors.of("{\"h.0.attn.bias\":{\"dtype\":\"BOOL\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", concat(new byte[] {1, 0, 1, 1}, f32(5))));
        Map<String, Tensor> t = Safetensors.read(file, name -> !name.endsWith(".attn.bias"));
        assertEquals(List.of("w"), new ArrayList<>(t.keySet()));
        assertEquals(5f, t.get("w").at(0));
        assertThrows(BadInputException.class, () -> Safetensors.read(file));
        Files.write(file, RawSafetensors.of("{\"h.0.attn.bias\":{\"dtype\":\"BOOL\",\"shape\":[2,2],\"data_offsets\":[0,4]}}", new byte[3]));
        assertThrows(BadInputException.class, () -> Safetensors.read(file, name -> false));
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        rejectsHeader("{\"__metadata__\":[]," + A + "}", f32(1, 2), "__metadata__ must be an object");
        rejectsHeader("{\"__metadata__\":{\"n\":1}," + A + "}", f32(1, 2), "__metadata__ value of \"n\" must be a string");
    }

    @Test
    void shapeWhoseSizeOverflows() throws IOException {
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", f32(1),
                "tensor \"a\"", "overflows");
    }

    @Test
    void byteSpanDisagreesWithShape() throws IOException {
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", f32(1),
                "tensor \"a\"", "span 4 bytes", "needs 8");
        rejectsHeader("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", f32(1, 2),
                "tensor \"a\"", "span 8 bytes", "F16 [2] needs 4");
    }

    @Test
    void offsetsEndingBeforeTheyBegin() throws IOException {
        rejectsHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", f32(1), "tensor \"a\"", "end before");
    }

    @Test
    void holeAtTheStartOrBetweenTensors() throws IOException {
        rejectsHeader("{" + B.replace("[8,12]", "[4,8]") + "}", f32(1, 2), "bytes [0, 4)", "belong to no tensor", "\"b\"");
        rejectsHeader("{" + A + "," + B.replace("[8,12]", "[12,16]") + "}", f32(1, 2, 3, 4), "bytes [8, 12)", "\"b\"");
    }

    @Test
    void overlappingTensors() throws IOException {
        rejectsHeader("{" + A + "," + B.replace("[8,12]", "[4,8]") + "}", f32(1, 2), "overlaps", "\"a\"", "\"b\"");
    }

    @Test
    void bytesAfterTheLastTensor() throws IOException {
        rejectsHeader("{" + A + "}", f32(1, 2, 3), "4 bytes after the last tensor");
    }

    @Test
    void truncatedData() throws IOException {
        rejectsHeader("{" + A + "," + B + "}", f32(1, 2), "tensor \"b\" ends at data byte 12", "only 8", "truncated");
    }

    @Test
    void zeroSizedTensorsMayShareAnOffset() throws IOException {
        Path file = dir.resolve("zeros.safetensors");
        Files.write(file, RawSafetensors.of("{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"f\":{\"dtype\":\"BF16\",\"shape\":[2,0],\"data_offsets\":[0,0]}," + A + "}", f32(1, 2)));
        assertEquals(3, Safetensors.read(file).size());
    }

    @Test
    void zeroSizedTensorWithADimensionBeyondIntIsRefusedByName() throws IOException {
        // Valid for the format (size 0), but jdpo's Tensor holds int dimensions.
        rejectsHeader("{\"e\":{\"dtype\":\"F32\",\"shape\":[0,4294967296],\"data_offsets\":[0,0]}}", new byte[0],
                "tensor \"e\"", "too large for one Java array");
    }

    @Test
    void missingFileAndDirectoryAreNamed() throws IOException {
        Path missing = dir.resolve("nope.safetensors");
        BadInputException e = assertThrows(BadInputException.class, () -> Safetensors.read(missing));
        assertEquals(missing + ": cannot read: no such file or directory", e.getMessage());
        BadInputException d = assertThrows(BadInputException.class, () -> Safetensors.read(dir));
        assertTrue(d.getMessage().startsWith(dir + ": is a directory"), d.getMessage());
    }

    @Test
    void readMetadataValidatesTheHeaderToo() throws IOException {
        Path file = dir.resolve("meta.safetensors");
        Files.write(file, RawSafetensors.of("{\"__metadata__\":{\"format\":\"pt\"}," + A + "}", concat(f32(1, 2), zeros(4))));
        BadInputException e = assertThrows(BadInputException.class, () -> Safetensors.readMetadata(file));
        assertTrue(e.getMessage().contains("after the last tensor"), e.getMessage());
    }
}
