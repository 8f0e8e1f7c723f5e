package jdpo.optim;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradClipTest {

    @TestFactory
    List<DynamicTest> normAndClippedGradientsMatchTorchClipGradNorm() {
        TorchOptimFixture fixture = TorchOptimFixture.load();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : fixture.json.getAsJsonArray("clip")) {
            JsonObject c = e.getAsJsonObject();
            double maxNorm = c.get("max_norm").getAsDouble();
            tests.add(DynamicTest.dynamicTest("max_norm=" + maxNorm, () -> {
                List<Parameter> params = fixture.initialParams();
                for (Parameter p : params) {
                    p.grad.copyFrom(Tensor.of(TorchOptimFixture.floats(c.getAsJsonObject("grads").getAsJsonArray(p.name)), p.grad.shape()));
                }
                double expectedNorm = c.get("total_norm").getAsDouble();
                assertEquals(expectedNorm, GradClip.clip(params, maxNorm), 1e-6 * expectedNorm);
                for (Parameter p : params) {
                    float[] expected = TorchOptimFixture.floats(c.getAsJsonObject("clipped").getAsJsonArray(p.name));
                    assertArrayEquals(expected, p.grad.toArray(), 1e-6f, p.name);
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> clippedGradientsHaveTheMaximumNormAndKeepTheirDirection() {
        List<DynamicTest> tests = new ArrayList<>();
        for (long seed = 1; seed <= 8; seed++) {
            Rng rng = new Rng(seed);
            int n = 1 + rng.nextInt(50);
            double maxNorm = 0.1 + rng.nextDouble();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " sizes=[" + n + ", 7] maxNorm=" + maxNorm, () -> {
                List<Parameter> params = List.of(param("a", Tensor.randn(rng, 3f, n)), param("b", Tensor.randn(rng, 3f, 7)));
                float[] before = params.get(0).grad.toArray();
                double norm = GradClip.clip(params, maxNorm);
                assertTrue(norm > maxNorm, "these seeded gradients must need clipping");
                assertEquals(maxNorm, GradClip.globalNorm(params), 1e-5);
                double ratio = params.get(0).grad.at(0) / before[0];
                assertEquals(maxNorm / (norm + 1e-6), ratio, 1e-6);
            }));
        }
        return tests;
    }

    @Test
    void zeroMaxNormOnlyMeasuresAndSmallGradientsAreLeftAlone() {
        Parameter p = param("w", Tensor.of(new float[] {3f, 4f}, 2));
        assertEquals(5.0, GradClip.clip(List.of(p), 0), 0.0);
        assertArrayEquals(new float[] {3f, 4f}, p.grad.toArray());
        assertEquals(5.0, GradClip.clip(List.of(p), 10), 0.0);
        assertArrayEquals(new float[] {3f, 4f}, p.grad.toArray());
        assertEquals(5.0, GradClip.clip(List.of(p), 1), 0.0);
        assertArrayEquals(new float[] {0.6f, 0.8f}, p.grad.toArray(), 1e-6f);
        Parameter zero = param("z", Tensor.zeros(3));
        assertEquals(0.0, GradClip.clip(List.of(zero), 1), 0.0);
        assertArrayEquals(new float[3], zero.grad.toArray());
    }

    @Test
    void nonFiniteNormIsReturnedAndBadMaxNormsAreRejected() {
        Parameter p = param("w", Tensor.of(new float[] {Float.NaN, 1f}, 2));
        assertTrue(Double.isNaN(GradClip.clip(List.of(p), 1)));
        assertEquals(1f, p.grad.at(1));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clip(List.of(p), -1));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clip(List.of(p), Double.NaN));
    }

    private static Parameter param(String name, Tensor grad) {
        return new Parameter(name, Tensor.zeros(grad.shape()), grad, true);
    }
}
