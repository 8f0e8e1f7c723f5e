package jdpo.demo;

import com.google.gson.JsonArray;
import jdpo.io.AtomicFiles;
import jdpo.report.Charts;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One DPO policy per beta, each evaluated for reward, well-formed rate and KL from the reference:
 * the reward vs KL frontier of the DPO paper's Figure 2 (left), in miniature. Small beta lets the
 * policy move far from the reference (high KL) for reward, and past some KL the reviews stop being
 * reviews; large beta holds it close.
 */
public final class BetaSweep {
    private BetaSweep() {}

    /** Marks a point whose well-formed rate kept {@link DemoRun#WELL_FORMED_BUDGET} of the base model's. */
    private static final Color KEPT = new Color(0x1B, 0x9E, 0x3A);
    /** Marks a point whose well-formed rate fell below it. */
    private static final Color BROKEN = new Color(0xD6, 0x27, 0x28);

    public static List<DemoRun.Result> run(DemoRun demo, List<Double> betas, Path outDir, PrintWriter out) throws IOException {
        Files.createDirectories(outDir);
        out.printf("Beta sweep: %d policies, one per beta %s%n", betas.size(), betas);
        out.flush();
        List<Samples.Sample> before = demo.sampleBase();
        Evaluation base = Evaluation.of(0, before);
        out.printf(Locale.ROOT, "  base model   reward %+.3f   well-formed %3.0f%%   log-prob per token %.3f%n", base.reward(),
                100 * base.wellFormed(), base.refLogprobPerToken());
        List<DemoRun.Result> results = new ArrayList<>();
        JsonArray rows = new JsonArray();
        for (double beta : betas) {
            DemoRun.Result r = demo.train(beta, before, 0, null);
            results.add(r);
            out.printf(Locale.ROOT, "  beta %-6s  reward %+.3f (%3.0f%% of the way)   well-formed %3.0f%%   KL %7.2f   "
                            + "log-prob per token %.3f   final loss %.4f   (%.1f s)%n", beta, r.after.reward(),
                    100 * r.normalizedGain(), 100 * r.after.wellFormed(), r.after.kl(), r.after.refLogprobPerToken(),
                    r.metrics.get(r.metrics.size() - 1).get("loss"), r.seconds);
            out.flush();
            rows.add(r.toJson()); // the columns of the demo's summary.json
        }
        writeChart(outDir.resolve("reward_vs_kl.png"), base, results);
        String json = rows + "\n";
        AtomicFiles.write(outDir.resolve("sweep.json"), tmp -> Files.writeString(tmp, json, StandardCharsets.UTF_8));
        out.printf("Wrote %s/reward_vs_kl.png and sweep.json%n", outDir);
        return results;
    }

    /**
     * The base model at KL 0, then one point per beta: green while its well-formed rate keeps 95%
     * of the base model's, red and marked "(broken)" once it does not.
     */
    private static void writeChart(Path png, Evaluation base, List<DemoRun.Result> results) throws IOException {
        List<Charts.Series> series = new ArrayList<>();
        series.add(point(String.format(Locale.ROOT, "base model: %.0f%% well-formed", 100 * base.wellFormed()),
                0, base.reward(), Color.DARK_GRAY));
        for (DemoRun.Result r : results) {
            boolean kept = r.after.wellFormed() >= DemoRun.WELL_FORMED_BUDGET * base.wellFormed();
            series.add(point(String.format(Locale.ROOT, "beta %s: %.0f%% well-formed%s", r.beta, 100 * r.after.wellFormed(),
                    kept ? "" : " (broken)"), r.after.kl(), r.after.reward(), kept ? KEPT : BROKEN));
        }
        Charts.write(png, "Reward vs KL, one DPO policy per beta",
                "KL(policy || reference), nats per continuation", "mean reward on held-out prompts", series);
    }

    private static Charts.Series point(String name, double x, double y, Color color) {
        return new Charts.Series(name, new double[] {x}, new double[] {y}, true).colored(color);
    }
}
