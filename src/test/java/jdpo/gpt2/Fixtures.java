package jdpo.gpt2;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.io.Json;
import jdpo.io.Safetensors;
import jdpo.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;

/** The PyTorch reference fixtures under {@code src/test/resources/fixtures} (see the README there). */
final class Fixtures {
    private Fixtures() {}

    static Path dir(String name) {
        return resource("fixtures/" + name);
    }

    /** A test resource as a path. */
    static Path resource(String path) {
        return jdpo.TestFiles.resource(path);
    }

    /** One GPT-2 fixture: the model directory, its inputs and PyTorch's outputs. */
    static final class Gpt2Case {
        final String name;
        final Path dir;
        final int B, T;
        final int[] ids, targets, promptIds, responseIds;
        final Map<String, Tensor> expected;

        Gpt2Case(String name) {
            this.name = name;
            this.dir = dir("gpt2/" + name);
            JsonObject in = Json.readObject(dir.resolve("inputs.json"));
            JsonArray rows = in.getAsJsonArray("input_ids");
            B = rows.size();
            T = rows.get(0).getAsJsonArray().size();
            ids = flatten(rows);
            targets = flatten(in.getAsJsonArray("targets"));
            promptIds = ints(in.getAsJsonArray("prompt_ids"));
            responseIds = ints(in.getAsJsonArray("response_ids"));
            expected = Safetensors.read(dir.resolve("expected.safetensors"));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static int[] flatten(JsonArray rows) {
        int B = rows.size(), T = rows.get(0).getAsJsonArray().size();
        int[] out = new int[B * T];
        for (int b = 0; b < B; b++) {
            int[] row = ints(rows.get(b).getAsJsonArray());
            System.arraycopy(row, 0, out, b * T, T);
        }
        return out;
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    /** ||a - b|| / ||b||, in double. */
    static double relativeError(Tensor a, Tensor b) {
        double diff = 0, ref = 0;
        for (int i = 0; i < a.size(); i++) {
            double d = (double) a.at(i) - b.at(i);
            diff += d * d;
            ref += (double) b.at(i) * b.at(i);
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(ref), 1e-30);
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) m = Math.max(m, Math.abs((double) a.at(i) - b.at(i)));
        return m;
    }
}
