package jdpo.optim;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.tensor.Parallel;
import jdpo.tensor.Parameter;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {
    private static final TorchOptimFixture FIXTURE = TorchOptimFixture.load();

    @TestFactory
    List<DynamicTest> weightsAndMomentsFollowTorchAdamWStepByStep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String run : new String[] {"adamw", "adamw_other"}) {
            JsonObject cfg = FIXTURE.json.getAsJsonObject(run);
            JsonArray betas = cfg.getAsJsonArray("betas");
            AdamW adamw = new AdamW(betas.get(0).getAsDouble(), betas.get(1).getAsDouble(),
                    cfg.get("eps").getAsDouble(), cfg.get("weight_decay").getAsDouble());
            List<Parameter> params = FIXTURE.initialParams();
            // The steps run in order, each test continuing from the previous one's state.
            for (int s = 0; s < FIXTURE.steps(); s++) {
                int step = s;
                tests.add(DynamicTest.dynamicTest(run + " step " + (step + 1) + " lr=" + FIXTURE.lr(step), () -> {
                    assertEquals(step, adamw.steps());
                    FIXTURE.setGrads(params, step);
                    adamw.step(params, FIXTURE.lr(step));
                    Map<String, Tensor> state = adamw.state();
                    // On the machine that wrote the fixture (torch 1.13, AVX2) they agree bit for bit;
                    // the tolerances leave room for another build's rounding.
                    for (Parameter p : params) {
                        assertClose(FIXTURE.after(run, step, "params", p.name), p.value.toArray(), 1e-6, 1e-6, p.name);
                        assertClose(FIXTURE.after(run, step, "exp_avg", p.name), state.get("exp_avg." + p.name).toArray(), 1e-6, 1e-12, "exp_avg." + p.name);
                        assertClose(FIXTURE.after(run, step, "exp_avg_sq", p.name), state.get("exp_avg_sq." + p.name).toArray(), 1e-6, 1e-14, "exp_avg_sq." + p.name);
                    }
                }));
            }
        }
        return tests;
    }

    /** Element-wise: |expected - actual| <= rel * |expected| + abs. */
    static void assertClose(float[] expected, float[] actual, double rel, double abs, String what) {
        assertEquals(expected.length, actual.length, what + " size");
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) expected[i] - actual[i]);
            assertTrue(err <= rel * Math.abs(expected[i]) + abs,
                    what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i] + " (error " + err + ")");
        }
    }

    @Test
    void firstStepMovesEachWeightByAboutLrAgainstTheGradientSign() {
        // m = 0.05, v = 0.00025; bias-corrected 0.5 and 0.25: update = 0.1 * 0.5 / (0.5 + 1e-8).
        Parameter p = new Parameter("w", Tensor.of(new float[] {1f, 1f}, 2), Tensor.of(new float[] {0.5f, -2f}, 2), false);
        new AdamW(0).step(List.of(p), 0.1);
        assertEquals((float) (1 - 0.1 * 0.5 / (0.5 + 1e-8)), p.value.at(0), 1e-7);
        assertEquals((float) (1 + 0.1 * 2 / (2 + 1e-8)), p.value.at(1), 1e-7);
    }

    @Test
    void weightDecayShrinksOnlyTheParametersMarkedForIt() {
        // With zero gradients the Adam update is 0 / eps = 0, leaving the decay alone.
        Parameter decayed = new Parameter("h.0.attn.c_attn.weight", Tensor.of(new float[] {2f, -4f}, 2), Tensor.zeros(2), true);
        Parameter bias = new Parameter("h.0.attn.c_attn.bias", Tensor.of(new float[] {2f, -4f}, 2), Tensor.zeros(2), false);
        AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.1);
        adamw.step(List.of(decayed, bias), 0.01);
        adamw.step(List.of(decayed, bias), 0.01);
        float f = (float) (1 - 0.01 * 0.1);
        assertArrayEquals(new float[] {2f * f * f, -4f * f * f}, decayed.value.toArray());
        assertArrayEquals(new float[] {2f, -4f}, bias.value.toArray());
    }

    @Test
    void savedStateContinuesExactlyAsAnUninterruptedRun() {
        AdamW straight = new AdamW(0.9, 0.999, 1e-8, 0.1);
        List<Parameter> a = FIXTURE.initialParams();
        for (int s = 0; s < FIXTURE.steps(); s++) {
            FIXTURE.setGrads(a, s);
            straight.step(a, FIXTURE.lr(s));
        }

        AdamW first = new AdamW(0.9, 0.999, 1e-8, 0.1);
        List<Parameter> b = FIXTURE.initialParams();
        for (int s = 0; s < 2; s++) {
            FIXTURE.setGrads(b, s);
            first.step(b, FIXTURE.lr(s));
        }
        Map<String, Tensor> saved = new LinkedHashMap<>();
        first.state().forEach((k, v) -> saved.put(k, v.copy()));
        assertEquals(List.of("exp_avg.h.0.mlp.c_fc.weight", "exp_avg_sq.h.0.mlp.c_fc.weight",
                "exp_avg.h.0.mlp.c_fc.bias", "exp_avg_sq.h.0.mlp.c_fc.bias",
                "exp_avg.ln_f.weight", "exp_avg_sq.ln_f.weight"), new ArrayList<>(saved.keySet()));

        AdamW resumed = new AdamW(0.9, 0.999, 1e-8, 0.1);
        resumed.loadState(saved, first.steps());
        saved.values().forEach(t -> t.fill(Float.NaN));  // loadState must have copied
        assertEquals(2, resumed.steps());
        for (int s = 2; s < FIXTURE.steps(); s++) {
            FIXTURE.setGrads(b, s);
            resumed.step(b, FIXTURE.lr(s));
        }
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).value.toArray(), b.get(i).value.toArray(), a.get(i).name);
        assertEquals(straight.steps(), resumed.steps());
    }

    @TestFactory
    List<DynamicTest> resultDoesNotDependOnTheThreadCount() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int size : new int[] {5, 40_000, 100_003}) {
            tests.add(DynamicTest.dynamicTest("seed=3 size=" + size + " threads=1 vs 2", () -> {
                float[] serial = run(size, Parallel.SERIAL);
                try (Parallel two = new Parallel(2)) {
                    assertArrayEquals(serial, run(size, two));
                }
            }));
        }
        return tests;
    }

    private static float[] run(int size, Parallel parallel) {
        Rng rng = new Rng(3);
        Parameter p = new Parameter("w", Tensor.randn(rng, 1f, size), Tensor.zeros(size), true);
        AdamW adamw = new AdamW(0.9, 0.95, 1e-8, 0.1, parallel);
        for (int s = 0; s < 3; s++) {
            p.grad.copyFrom(Tensor.randn(rng, 0.1f, size));
            adamw.step(List.of(p), 1e-3);
        }
        return p.value.toArray();
    }

    @Test
    void badStateIsRejectedBeforeAnyWeightChanges() {
        AdamW adamw = new AdamW(0.01);
        Tensor m = Tensor.zeros(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adamw.loadState(Map.of("momentum.w", m), 1));
        assertTrue(e.getMessage().contains("momentum.w"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> adamw.loadState(Map.of("exp_avg.w", m), 1));
        assertThrows(IllegalArgumentException.class, () -> adamw.loadState(Map.of("exp_avg_sq.w", m), 1));
        assertThrows(IllegalArgumentException.class, () -> adamw.loadState(Map.of("exp_avg.w", m, "exp_avg_sq.w", Tensor.zeros(3)), 1));
        assertThrows(IllegalArgumentException.class, () -> adamw.loadState(Map.of(), -1));

        adamw.loadState(Map.of("exp_avg.w", m, "exp_avg_sq.w", Tensor.zeros(2)), 4);
        Parameter w = new Parameter("w", Tensor.of(new float[] {1, 2}, 2), Tensor.of(new float[] {1, 1}, 2), true);
        Parameter other = new Parameter("v", Tensor.of(new float[] {3}, 1), Tensor.zeros(1), true);
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> adamw.step(List.of(w, other), 0.1));
        assertTrue(missing.getMessage().contains("'v'"), missing.getMessage());
        assertArrayEquals(new float[] {1, 2}, w.value.toArray());
        Parameter wrongShape = new Parameter("w", Tensor.zeros(3), Tensor.zeros(3), true);
        assertThrows(IllegalStateException.class, () -> adamw.step(List.of(wrongShape), 0.1));
        assertThrows(IllegalArgumentException.class, () -> adamw.step(List.of(w, w), 0.1));
        assertThrows(IllegalArgumentException.class, () -> adamw.step(List.of(w), -0.1));
        assertThrows(IllegalArgumentException.class, () -> adamw.step(List.of(w), Double.NaN));
        assertEquals(4, adamw.steps());
    }

    @Test
    void hyperParametersOutsideTheirRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new AdamW(1.0, 0.999, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(0.9, -0.1, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(0.9, 0.999, -1e-8, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdamW(0.9, 0.999, 1e-8, -0.1));
        assertTrue(e.getMessage().contains("weight decay"), e.getMessage());
    }

    @Test
    void optimizersAreCreatedByTheirCommandLineNames() {
        Optimizer adamw = Optimizer.create("AdamW", 0.8, 0.9, 1e-6, 0.05, Parallel.SERIAL);
        assertEquals("adamw", adamw.name());
        assertEquals(0.05, ((AdamW) adamw).weightDecay());
        assertEquals("sgd", Optimizer.create("sgd", 0.9, 0.999, 1e-8, 0, Parallel.SERIAL).name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizer.create("adam", 0.9, 0.999, 1e-8, 0, Parallel.SERIAL));
        assertTrue(e.getMessage().contains("'adam'") && e.getMessage().contains("adamw, sgd"), e.getMessage());
    }
}
