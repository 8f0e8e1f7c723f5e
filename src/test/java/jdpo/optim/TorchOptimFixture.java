package jdpo.optim;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.tensor.Parameter;
import jdpo.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads the torch.optim reference numbers written by scripts/reference/make_optim_fixture.py. */
final class TorchOptimFixture {
    final JsonObject json;

    private TorchOptimFixture(JsonObject json) {
        this.json = json;
    }

    static TorchOptimFixture load() {
        try (InputStream in = TorchOptimFixture.class.getResourceAsStream("/fixtures/optim/torch_optim.json")) {
            if (in == null) throw new IllegalStateException("fixture fixtures/optim/torch_optim.json is missing");
            return new TorchOptimFixture(JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture's parameters at their initial values, with zero gradients, in the fixture's order. */
    List<Parameter> initialParams() {
        List<Parameter> params = new ArrayList<>();
        JsonObject shapes = json.getAsJsonObject("shapes");
        JsonArray decayed = json.getAsJsonArray("decayed");
        for (Map.Entry<String, com.google.gson.JsonElement> e : shapes.entrySet()) {
            String name = e.getKey();
            JsonArray dims = e.getValue().getAsJsonArray();
            int[] shape = new int[dims.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = dims.get(i).getAsInt();
            Tensor value = Tensor.of(floats(json.getAsJsonObject("initial").getAsJsonArray(name)), shape);
            boolean decay = decayed.contains(new com.google.gson.JsonPrimitive(name));
            params.add(new Parameter(name, value, Tensor.zeros(shape), decay));
        }
        return params;
    }

    int steps() {
        return json.getAsJsonArray("lrs").size();
    }

    double lr(int step) {
        return json.getAsJsonArray("lrs").get(step).getAsDouble();
    }

    /** Copies step {@code step}'s gradients into the parameters' grad buffers. */
    void setGrads(List<Parameter> params, int step) {
        JsonObject grads = json.getAsJsonArray("grads").get(step).getAsJsonObject();
        for (Parameter p : params) p.grad.copyFrom(Tensor.of(floats(grads.getAsJsonArray(p.name)), p.grad.shape()));
    }

    /** The recorded tensor {@code kind} ("params", "exp_avg", "exp_avg_sq") of {@code name} after step {@code step}. */
    float[] after(String run, int step, String kind, String name) {
        return floats(json.getAsJsonObject(run).getAsJsonArray("after").get(step).getAsJsonObject()
                .getAsJsonObject(kind).getAsJsonArray(name));
    }

    static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).getAsDouble();
        return out;
    }
}
