package jdpo.hardening;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.cli.Cli;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged {@code model.safetensors} ends {@code train} with one line naming the file and the
 * tensor, leaves no output behind, and is refused before anything is allocated from the damaged
 * numbers. NaN weights are refused too: every result would be NaN.
 */
class BadWeightsTest {
    @TempDir
    Path tmp;
    Workspace ws;
    SafetensorsBytes original;
    String file;

    @BeforeEach
    void setUp() {
        ws = new Workspace(tmp);
        original = SafetensorsBytes.read(ws.weights());
        file = ws.weights().toString();
    }

    /** Runs {@code train} on the damaged copy and checks it is refused, with {@code fragments} in the message. */
    private void refused(String... fragments) {
        TreeSet<String> before = ws.listing();
        Cli r = ws.train();
        ws.assertRefused(before, r, fragments);
    }

    private String headerWith(JsonObject json) {
        return json.toString();
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] all = Files.readAllBytes(ws.weights());
        Files.write(ws.weights(), Arrays.copyOf(all, all.length / 2));
        refused(file + ": ", "truncated");
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Files.write(ws.weights(), new byte[] {1, 2, 3});
        refused(file + ": file has 3 bytes, too short");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        long size = Files.size(ws.weights());
        byte[] h = original.header.getBytes(StandardCharsets.UTF_8);
        SafetensorsBytes.write(ws.weights(), size, h, original.data);
        refused(file + ": header length " + size + " runs past the end of the file");
    }

    @Test
    void absurdHeaderLength() {
        byte[] h = original.header.getBytes(StandardCharsets.UTF_8);
        SafetensorsBytes.write(ws.weights(), 1L << 62, h, original.data);
        refused(file + ": header length 4611686018427387904 is larger than the limit");
    }

    @Test
    void negativeHeaderLength() {
        byte[] h = original.header.getBytes(StandardCharsets.UTF_8);
        SafetensorsBytes.write(ws.weights(), -8, h, original.data);
        refused(file + ": header length 18446744073709551608 is larger than the limit");
    }

    @Test
    void headerNotJson() {
        int n = original.header.getBytes(StandardCharsets.UTF_8).length;
        original.writeWithHeader(ws.weights(), "{" + "x".repeat(n - 1));
        refused(file + ": header is not valid JSON");
    }

    @Test
    void headerNotAnObject() {
        int n = original.header.getBytes(StandardCharsets.UTF_8).length;
        original.writeWithHeader(ws.weights(), "[" + " ".repeat(n - 2) + "]");
        refused(file + ": header does not start with '{'");
    }

    @Test
    void duplicateTensorName() {
        // The same entry twice, as text (a JSON library would keep only one of them).
        String entry = "\"ln_f.bias\":" + original.json().get("ln_f.bias");
        String header = original.header.trim();
        header = header.substring(0, header.length() - 1) + "," + entry + "}";
        original.writeWithHeader(ws.weights(), header);
        refused(file + ": tensor \"ln_f.bias\" appears twice in the header");
    }

    @Test
    void offsetsPastTheData() {
        JsonObject json = original.json();
        long end = original.data.length;
        json.add("extra", entry("F32", List.of(1L), end, end + 4));
        original.writeWithHeader(ws.weights(), headerWith(json));
        refused(file + ": tensor \"extra\" ends at data byte " + (end + 4) + " but the file holds only " + end + " data bytes");
    }

    @Test
    void overlappingTensors() {
        JsonObject json = original.json();
        // ln_f.bias precedes ln_f.weight in the data; give the weight the bias's bytes too.
        json.add("ln_f.weight", json.get("ln_f.bias").deepCopy());
        original.writeWithHeader(ws.weights(), headerWith(json));
        refused(file + ": tensor \"ln_f.", " overlaps tensor \"ln_f.");
    }

    @Test
    void holeInTheData() {
        JsonObject json = original.json();
        String first = firstByOffset(json);
        long firstEnd = json.getAsJsonObject(first).getAsJsonArray("data_offsets").get(1).getAsLong();
        json.remove(first);
        original.writeWithHeader(ws.weights(), headerWith(json));
        refused(file + ": bytes [0, " + firstEnd + ") of the data belong to no tensor");
    }

    @Test
    void offsetsDisagreeWithTheShape() {
        JsonObject json = original.json();
        JsonObject lnf = json.getAsJsonObject("ln_f.bias");
        lnf.add("shape", shape(25));
        original.writeWithHeader(ws.weights(), headerWith(json));
        refused(file + ": tensor \"ln_f.bias\": data_offsets", "span 96 bytes, but F32 [25] needs 100");
    }

    @Test
    void unknownDtype() {
        JsonObject json = original.json();
        json.getAsJsonObject("wte.weight").addProperty("dtype", "F33");
        original.writeWithHeader(ws.weights(), headerWith(json));
        refused(file + ": tensor \"wte.weight\": unknown dtype \"F33\"");
    }

    @Test
    void dtypeJdpoCannotRead() {
        JsonObject json = original.json();
        json.getAsJsonObject("ln_f.bias").addProperty("dtype", "I32"); // same size as F32, so the layout holds
        original.writeWithHeader(ws.weights(), headerWith(json));
        refused(file + ": tensor \"ln_f.bias\" has dtype I32; jdpo reads only F32, F16 and BF16");
    }

    @Test
    void shapeThatDisagreesWithConfig() {
        Map<String, Tensor> tensors = Safetensors.read(ws.weights());
        tensors.put("wpe.weight", tensors.get("wpe.weight").reshape(32, 48)); // same bytes, other shape
        Safetensors.write(ws.weights(), tensors, Map.of());
        refused(file + ": tensor wpe.weight has shape [32, 48] but config.json implies [64, 24]");
    }

    @Test
    void configThatDisagreesWithTheWeights() throws IOException {
        String config = Files.readString(ws.config()).replace("\"n_positions\": 64", "\"n_positions\": 128");
        Files.writeString(ws.config(), config);
        refused(file + ": tensor wpe.weight has shape [64, 24] but config.json implies [128, 24]");
    }

    @Test
    void missingTensor() {
        Map<String, Tensor> tensors = Safetensors.read(ws.weights());
        tensors.remove("h.1.mlp.c_fc.bias");
        Safetensors.write(ws.weights(), tensors, Map.of());
        refused(file + ": tensor h.1.mlp.c_fc.bias [96] is missing");
    }

    /** NaN weights make every result NaN: the model is refused when it is read, for every command. */
    @Test
    void nonFiniteWeightsAreRefused() {
        Map<String, Tensor> tensors = Safetensors.read(ws.weights());
        Tensor wpe = tensors.get("wpe.weight");
        wpe.set(Float.NaN, 63, 0);
        wpe.set(Float.POSITIVE_INFINITY, 63, 5);
        Safetensors.write(ws.weights(), tensors, Map.of());
        refused(file + ": tensor wpe.weight holds NaN or infinite values");
        Workspace.assertOneLineError(Cli.run("score", "--model", ws.model.toString(), "--data", ws.pairs.toString(), "--threads", "1", "--json"),
                file + ": tensor wpe.weight holds NaN or infinite values");
    }

    /** A config that claims a far larger model than the file holds is refused from the header, before any allocation. */
    @Test
    void configFarLargerThanTheWeightsIsRefusedBeforeAllocating() throws IOException {
        String config = Files.readString(ws.config());
        // 36 layers of width 2048: about 1.8e9 parameters, 7 GB of floats; the test JVM has 1 GB.
        config = config.replaceAll("\"n_layer\":\\s*\\d+", "\"n_layer\": 36").replaceAll("\"n_embd\":\\s*\\d+", "\"n_embd\": 2048");
        Files.writeString(ws.config(), config);
        refused(file + ": holds ", " parameters but config.json describes a model of ");
    }

    /** Many tensors the model does not have are one warning line, not one line each. */
    @Test
    void manyUnexpectedTensorsAreOneWarning() {
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(Safetensors.read(ws.weights()));
        for (int i = 0; i < 500; i++) tensors.put("extra." + i, Tensor.zeros(1));
        Safetensors.write(ws.weights(), tensors, Map.of());
        Cli r = Cli.run("score", "--model", ws.model.toString(), "--data", ws.pairs.toString(), "--threads", "1");
        assertEquals(0, r.exitCode, r.toString());
        List<String> warnings = r.err.lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(1, warnings.size(), r.toString());
        assertTrue(warnings.get(0).contains("ignoring 500 unexpected tensors (extra."), r.toString());
    }

    private static String firstByOffset(JsonObject json) {
        String first = null;
        long begin = Long.MAX_VALUE;
        for (String k : json.keySet()) {
            if (k.equals("__metadata__")) continue;
            long b = json.getAsJsonObject(k).getAsJsonArray("data_offsets").get(0).getAsLong();
            if (b < begin) {
                begin = b;
                first = k;
            }
        }
        return first;
    }

    private static JsonObject entry(String dtype, List<Long> shape, long begin, long end) {
        JsonObject o = new JsonObject();
        o.addProperty("dtype", dtype);
        JsonArray s = new JsonArray();
        shape.forEach(s::add);
        o.add("shape", s);
        JsonArray offsets = new JsonArray();
        offsets.add(begin);
        offsets.add(end);
        o.add("data_offsets", offsets);
        return o;
    }

    private static JsonArray shape(long... dims) {
        JsonArray a = new JsonArray();
        for (long d : dims) a.add(d);
        return a;
    }
}
