package jdpo.dpo;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DpoLossTest {

    // The worked example of docs/ARCHITECTURE.md: z = (pi_c - pi_r) - (ref_c - ref_r) = 2 - 0.5 = 1.5.
    private static final double PC = -10, PR = -12, RC = -11, RR = -11.5;

    @Test
    void sigmoidLossIsLn2WhenPolicyEqualsReference() {
        PairLoss p = DpoLoss.standard(0.1).pair(-42.5, -17.25, -42.5, -17.25);
        assertEquals(0.0, p.margin(), 0.0);
        assertEquals(Math.log(2), p.loss(), 1e-15);
        assertEquals(-0.05, p.gradPolicyChosen(), 1e-15);  // -beta * s(0)
        assertEquals(0.0, p.chosenReward(), 0.0);
        assertEquals(0.0, p.rewardMargin(), 0.0);
    }

    @Test
    void goldenValuesAtMarginOneAndAHalf() {
        assertEquals(1.5, DpoLoss.standard(0.1).pair(PC, PR, RC, RR).margin(), 1e-15);
        assertEquals(0.620957, new DpoLoss(LossType.SIGMOID, 0.1, 0, false).pair(PC, PR, RC, RR).loss(), 5e-7);
        assertEquals(0.635957, new DpoLoss(LossType.CDPO, 0.1, 0.1, false).pair(PC, PR, RC, RR).loss(), 5e-7);
        assertEquals(0.602207, new DpoLoss(LossType.ROBUST, 0.1, 0.1, false).pair(PC, PR, RC, RR).loss(), 5e-7);
        assertEquals(0.85, new DpoLoss(LossType.HINGE, 0.1, 0, false).pair(PC, PR, RC, RR).loss(), 1e-15);
        PairLoss p = DpoLoss.standard(0.1).pair(PC, PR, RC, RR);
        assertEquals(-0.046257, p.gradPolicyChosen(), 5e-7);
        assertEquals(0.046257, p.gradPolicyRejected(), 5e-7);
    }

    @Test
    void ipoAtAHandComputedPoint() {
        // beta 0.1: target 1/(2 beta) = 5, loss (1.5 - 5)^2 = 12.25, dLoss/dz = 2 (1.5 - 5) = -7.
        PairLoss p = new DpoLoss(LossType.IPO, 0.1, 0, false).pair(PC, PR, RC, RR);
        assertEquals(12.25, p.loss(), 1e-12);
        assertEquals(-7.0, p.gradPolicyChosen(), 1e-12);
        assertEquals(7.0, p.gradPolicyRejected(), 1e-12);
    }

    @Test
    void rewardsAreBetaTimesTheLogRatiosAndNeverDependOnTheLoss() {
        for (LossType t : LossType.values()) {
            PairLoss p = loss(t, 0.1, 0, false).pair(PC, PR, RC, RR);
            assertEquals(0.1, p.chosenReward(), 1e-15, t.trlName());
            assertEquals(-0.05, p.rejectedReward(), 1e-15, t.trlName());
            assertEquals(0.15, p.rewardMargin(), 1e-15, t.trlName());
            assertTrue(p.rewardCorrect(), t.trlName());
        }
    }

    @TestFactory
    List<DynamicTest> everyLossAgreesWithPyTorchAutograd() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        JsonArray cases = readFixture().getAsJsonArray("cases");
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            LossType type = LossType.parse(c.get("loss_type").getAsString());
            double beta = c.get("beta").getAsDouble();
            double ls = c.get("label_smoothing").getAsDouble();
            boolean free = c.get("reference_free").getAsBoolean();
            double pc = c.get("policy_chosen_logps").getAsDouble(), pr = c.get("policy_rejected_logps").getAsDouble();
            double rc = c.get("ref_chosen_logps").getAsDouble(), rr = c.get("ref_rejected_logps").getAsDouble();
            String name = type + " beta=" + beta + " ls=" + ls + " free=" + free + " logps=(" + pc + ", " + pr + ", " + rc + ", " + rr + ")";
            tests.add(DynamicTest.dynamicTest(name, () -> {
                PairLoss p = new DpoLoss(type, beta, ls, free).pair(pc, pr, rc, rr);
                assertClose(c.get("loss").getAsDouble(), p.loss(), "loss");
                assertClose(c.get("grad_policy_chosen").getAsDouble(), p.gradPolicyChosen(), "dLoss/d policyChosenLogps");
                assertClose(c.get("grad_policy_rejected").getAsDouble(), p.gradPolicyRejected(), "dLoss/d policyRejectedLogps");
                assertClose(c.get("chosen_reward").getAsDouble(), p.chosenReward(), "chosen reward");
                assertClose(c.get("rejected_reward").getAsDouble(), p.rejectedReward(), "rejected reward");
            }));
        }
        // exo_pair is left out at the two points without label smoothing (TRL refuses it there).
        assertEquals(LossType.values().length * 5 - 2, tests.size());
        return tests;
    }

    private static JsonObject readFixture() throws IOException {
        try (InputStream in = DpoLossTest.class.getResourceAsStream("/fixtures/dpo/loss_cases.json")) {
            assertNotNull(in, "fixture fixtures/dpo/loss_cases.json is missing");
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    /** A loss of {@code type}; exo_pair, which needs label smoothing, gets 1e-3 (the EXO paper's) where ls is 0. */
    private static DpoLoss loss(LossType type, double beta, double ls, boolean free) {
        return new DpoLoss(type, beta, type == LossType.EXO_PAIR && ls == 0 ? 1e-3 : ls, free);
    }

    @Test
    void sigmoidIgnoresLabelSmoothingAsTrl113DoesAndCdpoReadsIt() {
        PairLoss plain = DpoLoss.standard(0.1).pair(PC, PR, RC, RR);
        PairLoss smoothed = new DpoLoss(LossType.SIGMOID, 0.1, 0.25, false).pair(PC, PR, RC, RR);
        assertEquals(plain, smoothed);
        assertEquals(plain, new DpoLoss(LossType.CDPO, 0.1, 0, false).pair(PC, PR, RC, RR));
        assertTrue(new DpoLoss(LossType.CDPO, 0.1, 0.25, false).pair(PC, PR, RC, RR).loss() > plain.loss());
    }

    @Test
    void exoPairWithoutLabelSmoothingIsRefusedAsTrlRefusesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DpoLoss(LossType.EXO_PAIR, 0.1, 0, false));
        assertTrue(e.getMessage().contains("label smoothing > 0"), e.getMessage());
        new DpoLoss(LossType.EXO_PAIR, 0.1, 1e-3, false);
    }

    @Test
    void discopopTemperatureIsReadAndChecked() {
        DpoLoss cold = new DpoLoss(LossType.DISCOPOP, 0.1, 0, false, 0.05);
        DpoLoss warm = new DpoLoss(LossType.DISCOPOP, 0.1, 0, false, 0.5);
        assertNotEquals(cold.pair(PC, PR, RC, RR).loss(), warm.pair(PC, PR, RC, RR).loss());
        checkGradient(warm, new double[] {PC, PR, RC, RR});
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(LossType.DISCOPOP, 0.1, 0, false, 0));
    }

    /** aot and aot_unpaired sort across the batch: the fixture holds torch.sort's own result and gradient. */
    @TestFactory
    List<DynamicTest> aotLossesOfABatchAgreeWithPyTorchAutograd() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : readFixture().getAsJsonArray("batch_cases")) {
            JsonObject c = e.getAsJsonObject();
            LossType type = LossType.parse(c.get("loss_type").getAsString());
            double beta = c.get("beta").getAsDouble(), ls = c.get("label_smoothing").getAsDouble();
            tests.add(DynamicTest.dynamicTest(type + " beta=" + beta + " ls=" + ls, () -> {
                BatchLoss b = new DpoLoss(type, beta, ls, false).batch(doubles(c, "policy_chosen_logps"),
                        doubles(c, "policy_rejected_logps"), doubles(c, "ref_chosen_logps"), doubles(c, "ref_rejected_logps"));
                assertClose(c.get("loss").getAsDouble(), b.loss(), "loss");
                double[] gc = doubles(c, "grad_policy_chosen"), gr = doubles(c, "grad_policy_rejected");
                for (int i = 0; i < gc.length; i++) {
                    assertClose(gc[i], b.gradPolicyChosen()[i], "dLoss/d policyChosenLogps[" + i + "]");
                    assertClose(gr[i], b.gradPolicyRejected()[i], "dLoss/d policyRejectedLogps[" + i + "]");
                }
            }));
        }
        assertEquals(4, tests.size());
        return tests;
    }

    @TestFactory
    List<DynamicTest> aotBatchGradientMatchesCentralFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (LossType type : new LossType[] {LossType.AOT, LossType.AOT_UNPAIRED}) {
            for (long seed = 1; seed <= 10; seed++) {
                Rng rng = new Rng(seed * 31 + type.ordinal());
                int b = 2 + rng.nextInt(6);
                double[][] logps = new double[4][b];
                for (double[] row : logps) for (int i = 0; i < b; i++) row[i] = -0.1 - 40 * rng.nextDouble();
                DpoLoss loss = new DpoLoss(type, 0.05 + rng.nextDouble(), 0.2 * rng.nextDouble(), rng.nextInt(4) == 0);
                tests.add(DynamicTest.dynamicTest(type + " seed=" + seed + " B=" + b, () -> {
                    BatchLoss at = loss.batch(logps[0], logps[1], logps[2], logps[3]);
                    double h = 1e-5;
                    for (int which = 0; which < 2; which++) {
                        for (int i = 0; i < b; i++) {
                            double[][] up = copy(logps), down = copy(logps);
                            up[which][i] += h;
                            down[which][i] -= h;
                            double fd = (loss.batch(up[0], up[1], up[2], up[3]).loss()
                                    - loss.batch(down[0], down[1], down[2], down[3]).loss()) / (2 * h);
                            double got = which == 0 ? at.gradPolicyChosen()[i] : at.gradPolicyRejected()[i];
                            assertEquals(fd, got, 1e-6 * (1 + Math.abs(fd)), (which == 0 ? "chosen " : "rejected ") + i);
                        }
                    }
                }));
            }
        }
        return tests;
    }

    private static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].clone();
        return out;
    }

    private static double[] doubles(JsonObject o, String name) {
        JsonArray a = o.getAsJsonArray(name);
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsDouble();
        return out;
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-12 * (1 + Math.abs(expected)), what);
    }

    @TestFactory
    List<DynamicTest> gradientMatchesCentralFiniteDifferences() {
        double[] betas = {0.01, 0.1, 0.5, 1, 5};
        double[] smoothings = {0, 0.1, 0.3};
        List<DynamicTest> tests = new ArrayList<>();
        for (LossType type : LossType.values()) {
            for (long seed = 1; seed <= 30; seed++) {
                Rng rng = new Rng(seed * 1000 + type.ordinal());
                double beta = betas[rng.nextInt(betas.length)];
                double ls = smoothings[rng.nextInt(smoothings.length)];
                boolean free = rng.nextInt(4) == 0;
                double[] logps = new double[4];
                for (int i = 0; i < 4; i++) logps[i] = -0.1 - 60 * rng.nextDouble();
                DpoLoss loss = loss(type, beta, ls, free);
                String name = type + " seed=" + seed + " beta=" + beta + " ls=" + ls + " free=" + free;
                tests.add(DynamicTest.dynamicTest(name, () -> checkGradient(loss, logps)));
            }
        }
        return tests;
    }

    private static void checkGradient(DpoLoss loss, double[] l) {
        PairLoss p = loss.pair(l[0], l[1], l[2], l[3]);
        if (loss.type() == LossType.HINGE && Math.abs(1 - loss.beta() * p.margin()) < 1e-3) {
            // The kink of relu has no derivative; the seeded inputs must stay away from it.
            throw new AssertionError("input on the hinge's kink; pick another seed");
        }
        double h = 1e-5;
        double fdChosen = (loss.pair(l[0] + h, l[1], l[2], l[3]).loss() - loss.pair(l[0] - h, l[1], l[2], l[3]).loss()) / (2 * h);
        double fdRejected = (loss.pair(l[0], l[1] + h, l[2], l[3]).loss() - loss.pair(l[0], l[1] - h, l[2], l[3]).loss()) / (2 * h);
        assertEquals(fdChosen, p.gradPolicyChosen(), 1e-6 * (1 + Math.abs(fdChosen)), "d/d policyChosenLogps");
        assertEquals(fdRejected, p.gradPolicyRejected(), 1e-6 * (1 + Math.abs(fdRejected)), "d/d policyRejectedLogps");
    }

    @TestFactory
    List<DynamicTest> extremeLogitsGiveFiniteLossAndGradient() {
        List<DynamicTest> tests = new ArrayList<>();
        for (LossType type : LossType.values()) {
            for (double z : new double[] {1e4, -1e4}) {
                for (double ls : new double[] {0, 0.1}) {
                    tests.add(DynamicTest.dynamicTest(type + " z=" + z + " beta=1 ls=" + ls, () -> {
                        // pi_c - pi_r = z against a reference that prefers neither.
                        PairLoss p = loss(type, 1, ls, false).pair(-1, -1 - z, -3, -3);
                        assertEquals(z, p.margin(), 0.0);
                        assertTrue(Double.isFinite(p.loss()), "loss " + p.loss());
                        assertTrue(Double.isFinite(p.gradPolicyChosen()), "grad " + p.gradPolicyChosen());
                        assertTrue(Double.isFinite(p.gradPolicyRejected()), "grad " + p.gradPolicyRejected());
                    }));
                }
            }
        }
        return tests;
    }

    @Test
    void sigmoidLossSaturatesExactlyAtExtremeLogits() {
        DpoLoss dpo = DpoLoss.standard(1);
        PairLoss right = dpo.pair(0, -1e4, 0, 0);
        assertEquals(0.0, right.loss(), 0.0);
        assertEquals(0.0, right.gradPolicyChosen(), 0.0);
        PairLoss wrong = dpo.pair(-1e4, 0, 0, 0);
        assertEquals(1e4, wrong.loss(), 0.0);
        assertEquals(-1.0, wrong.gradPolicyChosen(), 0.0);
        assertEquals(1.0, wrong.gradPolicyRejected(), 0.0);
        assertEquals(-1e4, DpoLoss.logSigmoid(-1e4), 0.0);
        assertEquals(-Math.log(2), DpoLoss.logSigmoid(0), 1e-16);
        assertEquals(0.0, DpoLoss.sigmoid(-1e4), 0.0);
        assertEquals(1.0, DpoLoss.sigmoid(1e4), 0.0);
    }

    @TestFactory
    List<DynamicTest> swappingChosenAndRejectedFlipsTheLogitsAndSwapsTheRewards() {
        List<DynamicTest> tests = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            Rng rng = new Rng(seed);
            double pc = -50 * rng.nextDouble(), pr = -50 * rng.nextDouble();
            double rc = -50 * rng.nextDouble(), rr = -50 * rng.nextDouble();
            double beta = 0.05 + rng.nextDouble();
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " beta=" + beta, () -> {
                for (LossType type : LossType.values()) {
                    DpoLoss dpo = loss(type, beta, 0, false);
                    PairLoss a = dpo.pair(pc, pr, rc, rr);
                    PairLoss b = dpo.pair(pr, pc, rr, rc);
                    assertEquals(-a.margin(), b.margin(), 1e-12, type.trlName());
                    assertEquals(a.chosenReward(), b.rejectedReward(), 0.0, type.trlName());
                    assertEquals(-a.rewardMargin(), b.rewardMargin(), 1e-12, type.trlName());
                }
                // -log s(x) + log s(-x) = -x: the loss of the flipped pair exceeds by beta z.
                DpoLoss dpo = DpoLoss.standard(beta);
                PairLoss a = dpo.pair(pc, pr, rc, rr);
                PairLoss b = dpo.pair(pr, pc, rr, rc);
                assertEquals(beta * a.margin(), b.loss() - a.loss(), 1e-10);
                // cDPO is the mix of the loss on the pair and on the flipped pair.
                double cdpo = new DpoLoss(LossType.CDPO, beta, 0.2, false).pair(pc, pr, rc, rr).loss();
                assertEquals(0.8 * a.loss() + 0.2 * b.loss(), cdpo, 1e-10);
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> lossesOfTheLogitsAloneIgnoreACommonShiftAndMoveBothLogpsOppositely() {
        LossType[] ofZ = {LossType.SIGMOID, LossType.CDPO, LossType.ROBUST, LossType.HINGE, LossType.IPO, LossType.EXO_PAIR,
                          LossType.DISCOPOP, LossType.AOT, LossType.AOT_UNPAIRED};
        List<DynamicTest> tests = new ArrayList<>();
        for (LossType type : ofZ) {
            for (long seed = 1; seed <= 5; seed++) {
                Rng rng = new Rng(seed);
                double pc = -20 * rng.nextDouble(), pr = -20 * rng.nextDouble();
                double rc = -20 * rng.nextDouble(), rr = -20 * rng.nextDouble();
                double shift = 10 * rng.nextGaussian();
                tests.add(DynamicTest.dynamicTest(type + " seed=" + seed + " shift=" + shift, () -> {
                    DpoLoss dpo = new DpoLoss(type, 0.3, 0.1, false);
                    PairLoss a = dpo.pair(pc, pr, rc, rr);
                    PairLoss b = dpo.pair(pc + shift, pr, rc + shift, rr);
                    assertEquals(a.loss(), b.loss(), 1e-9 * (1 + Math.abs(a.loss())));
                    assertEquals(-a.gradPolicyChosen(), a.gradPolicyRejected(), 0.0);
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> referenceFreeEqualsAReferenceWithZeroLogps() {
        List<DynamicTest> tests = new ArrayList<>();
        for (LossType type : LossType.values()) {
            Rng rng = new Rng(77 + type.ordinal());
            double pc = -30 * rng.nextDouble(), pr = -30 * rng.nextDouble();
            double rc = -30 * rng.nextDouble(), rr = -30 * rng.nextDouble();
            tests.add(DynamicTest.dynamicTest(type + " logps=(" + pc + ", " + pr + ", " + rc + ", " + rr + ")", () -> {
                PairLoss free = new DpoLoss(type, 0.2, 0.1, true).pair(pc, pr, rc, rr);
                PairLoss zeroRef = new DpoLoss(type, 0.2, 0.1, false).pair(pc, pr, 0, 0);
                assertEquals(zeroRef.loss(), free.loss(), 0.0);
                assertEquals(zeroRef.margin(), free.margin(), 0.0);
                assertEquals(zeroRef.gradPolicyChosen(), free.gradPolicyChosen(), 0.0);
                assertEquals(zeroRef.gradPolicyRejected(), free.gradPolicyRejected(), 0.0);
                // Rewards are reported against the reference given, as TRL does.
                assertEquals(0.2 * (pc - rc), free.chosenReward(), 1e-12);
                assertEquals(0.2 * (pr - rr), free.rejectedReward(), 1e-12);
            }));
        }
        return tests;
    }

    @Test
    void batchIsTheMeanOfItsPairsAndItsGradientIsDividedByTheBatchSize() {
        DpoLoss dpo = new DpoLoss(LossType.SIGMOID, 0.1, 0, false);
        double[] pc = {-10, -5, -7}, pr = {-12, -4, -7}, rc = {-11, -5, -6}, rr = {-11.5, -5, -8};
        BatchLoss b = dpo.batch(pc, pr, rc, rr);
        double loss = 0, gc0 = 0, rewardsC = 0, margins = 0;
        for (int i = 0; i < 3; i++) {
            PairLoss p = dpo.pair(pc[i], pr[i], rc[i], rr[i]);
            loss += p.loss() / 3;
            rewardsC += p.chosenReward() / 3;
            margins += p.rewardMargin() / 3;
            if (i == 0) gc0 = p.gradPolicyChosen() / 3;
        }
        assertEquals(loss, b.loss(), 1e-15);
        assertEquals(gc0, b.gradPolicyChosen()[0], 0.0);
        assertEquals(rewardsC, b.rewardsChosen(), 1e-15);
        assertEquals(margins, b.rewardsMargin(), 1e-15);
        // margins 0.15, -0.1, -0.3: only the first pair ranks the chosen response higher.
        assertEquals(1.0 / 3, b.rewardsAccuracy(), 1e-15);
        assertEquals(3, b.pairs().length);
        double h = 1e-6;
        double[] up = pr.clone(), down = pr.clone();
        up[1] += h;
        down[1] -= h;
        double fd = (dpo.batch(pc, up, rc, rr).loss() - dpo.batch(pc, down, rc, rr).loss()) / (2 * h);
        assertEquals(fd, b.gradPolicyRejected()[1], 1e-8);
        assertThrows(IllegalArgumentException.class, () -> dpo.batch(pc, pr, rc, new double[2]));
        assertThrows(IllegalArgumentException.class, () -> dpo.batch(new double[0], new double[0], new double[0], new double[0]));
    }

    @Test
    void invalidSettingsAreRejectedWithTheirValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DpoLoss(LossType.SIGMOID, 0, 0, false));
        assertTrue(e.getMessage().contains("beta") && e.getMessage().contains("0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(LossType.SIGMOID, -0.1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(LossType.SIGMOID, Double.NaN, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(LossType.SIGMOID, Double.POSITIVE_INFINITY, 0, false));
        e = assertThrows(IllegalArgumentException.class, () -> new DpoLoss(LossType.ROBUST, 0.1, 0.5, false));
        assertTrue(e.getMessage().contains("label smoothing") && e.getMessage().contains("0.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(LossType.SIGMOID, 0.1, -0.01, false));
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(LossType.SIGMOID, 0.1, Double.NaN, false));
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(null, 0.1, 0, false));
    }

    @Test
    void lossNamesParseAsTrlSpellsThemAndAnUnknownNameListsTheValidOnes() {
        assertEquals(LossType.SIGMOID, LossType.parse("sigmoid"));
        assertEquals(LossType.IPO, LossType.parse(" IPO "));
        assertEquals(LossType.EXO_PAIR, LossType.parse("exo-pair"));
        for (LossType t : LossType.values()) assertEquals(t, LossType.parse(t.trlName()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossType.parse("kto"));
        assertTrue(e.getMessage().contains("'kto'"), e.getMessage());
        for (LossType t : LossType.values()) assertTrue(e.getMessage().contains(t.trlName()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LossType.parse(null));
        assertTrue(LossType.IPO.averagesLogps());
        assertEquals(false, LossType.SIGMOID.averagesLogps());
    }

    @Test
    void rpoTermIsAlphaTimesTheMeanTokenNllAndItsGradientMatchesFiniteDifferences() {
        RpoTerm rpo = new RpoTerm(0.5);
        double[] tokenLogps = {-1.25, -0.5, -3.0, -0.25};
        double sum = 0;
        for (double v : tokenLogps) sum += v;
        assertEquals(0.5 * 5.0 / 4, rpo.loss(sum, tokenLogps.length), 1e-15);
        assertEquals(-0.125, rpo.tokenGradient(tokenLogps.length), 0.0);
        double h = 1e-6;
        double fd = (rpo.loss(sum + h, 4) - rpo.loss(sum - h, 4)) / (2 * h);
        assertEquals(fd, rpo.tokenGradient(4), 1e-9);
        assertEquals(0.0, new RpoTerm(0).loss(sum, 4), 0.0);
        assertThrows(IllegalArgumentException.class, () -> new RpoTerm(-1));
        assertThrows(IllegalArgumentException.class, () -> rpo.loss(0, 0));
        assertArrayEquals(new double[] {0.5}, new double[] {rpo.alpha()});
    }
}
