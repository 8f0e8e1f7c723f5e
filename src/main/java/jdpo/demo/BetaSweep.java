package jdpo.demo;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.io.AtomicFiles;
import jdpo.report.Charts;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One DPO policy per beta, each evaluated for reward and KL from the reference: the reward vs
 * KL frontier of the DPO paper's Figure 2 (left), in miniature. Small beta lets the policy move
 * far from the reference (high KL) for reward; large beta holds it close.
 */
public final class BetaSweep {
    private BetaSweep() {}

    public static List<DemoRun.Result> run(DemoRun demo, List<Double> betas, Path outDir, PrintWriter out) throws IOException {
        Files.createDirectories(outDir);
        out.printf("Beta sweep: %d policies, one per beta %s%n", betas.size(), betas);
        out.flush();
        List<Samples.Sample> before = demo.sampleBase();
        List<DemoRun.Result> results = new ArrayList<>();
        JsonArray rows = new JsonArray();
        for (double beta : betas) {
            DemoRun.Result r = demo.train(beta, before, null);
            results.add(r);
            out.printf(Locale.ROOT, "  beta %-6s  reward %+.3f -> %+.3f   KL %.3f   final loss %.4f   (%.1f s)%n", beta,
                    r.rewardBefore, r.rewardAfter, r.kl, r.metrics.get(r.metrics.size() - 1).get("loss"), r.seconds);
            out.flush();
            JsonObject o = new JsonObject();
            o.addProperty("beta", beta);
            o.addProperty("reward_before", r.rewardBefore);
            o.addProperty("reward_after", r.rewardAfter);
            o.addProperty("kl", r.kl);
            rows.add(o);
        }
        double[] kl = results.stream().mapToDouble(r -> r.kl).toArray();
        double[] rw = results.stream().mapToDouble(r -> r.rewardAfter).toArray();
        List<Charts.Series> series = new ArrayList<>();
        for (int i = 0; i < betas.size(); i++) {
            series.add(new Charts.Series("beta " + betas.get(i), new double[] {kl[i]}, new double[] {rw[i]}, true));
        }
        Charts.write(outDir.resolve("reward_vs_kl.png"), "Reward vs KL(policy || reference), one DPO policy per beta",
                "KL (nats per continuation)", "mean reward", series);
        String json = rows + "\n";
        AtomicFiles.write(outDir.resolve("sweep.json"), tmp -> Files.writeString(tmp, json, StandardCharsets.UTF_8));
        out.printf("Wrote %s/reward_vs_kl.png and sweep.json%n", outDir);
        return results;
    }
}
