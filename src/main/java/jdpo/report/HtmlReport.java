package jdpo.report;

import com.google.gson.JsonObject;
import jdpo.dpo.DpoLoss;
import jdpo.dpo.LossType;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.PreferencePair;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.AtomicFiles;
import jdpo.io.BadInputException;
import jdpo.tensor.Kernels;
import jdpo.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: one self-contained page that walks a class through what DPO did in a run.
 *
 * <ol>
 *   <li>The run: models, data, flags, and the training curves (loss with ln 2 marked, margin,
 *       accuracy, rewards).
 *   <li>Token by token: a few training and held-out pairs, each response token coloured by
 *       {@code log pi - log pi_ref} (blue: training made it more likely, red: less), the exact numbers
 *       on hover or tap and in a table, and the pair's loss worked out step by step.
 *   <li>Samples before and after training on held-out prompts (the demo), with their reward.
 *   <li>The beta sweep's reward against KL, the base model marked.
 * </ol>
 *
 * <p>The page needs no network: style, SVG charts and a few lines of script are inline, and
 * every piece of data is escaped ({@link Html#text}). A section with nothing to show is left out.
 */
public final class HtmlReport {
    public static final String FILE = "report.html";
    /** Training pairs and held-out pairs shown token by token, each. */
    public static final int DEFAULT_PAIRS = 3;
    private static final String BLUE = "33,102,172", RED = "178,24,43";

    private final RunFiles run;
    private final RunInfo info;
    private final List<TokenByToken> pairs;

    private HtmlReport(RunFiles run, RunInfo info, List<TokenByToken> pairs) {
        this.run = run;
        this.info = info;
        this.pairs = pairs;
    }

    /**
     * Writes {@code runDir/report.html} for the run {@code info} describes, scoring {@code pairsEach}
     * training pairs and as many held-out ones token by token; returns the file.
     */
    public static Path write(Path runDir, RunInfo info, Kernels kernels, int pairsEach) {
        RunFiles run = RunFiles.read(runDir);
        List<TokenByToken> pairs = info == null ? List.of() : scorePairs(run, info, kernels, pairsEach);
        String page = new HtmlReport(run, info, pairs).page();
        Path file = runDir.resolve(FILE);
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, page, StandardCharsets.UTF_8));
        return file;
    }

    /**
     * The end of a {@code demo} or {@code train} run: records {@code run.json}, writes the report and
     * names it on {@code out}. The run's own results are already saved, so a report that cannot be
     * written is a warning, not a failed run.
     */
    public static void afterRun(Path runDir, RunInfo info, Kernels kernels, PrintWriter out) {
        try {
            info.save(runDir);
            Path file = write(runDir, info, kernels, DEFAULT_PAIRS);
            out.println("Report: " + file + "  (open it in a browser)");
        } catch (BadInputException | UncheckedIOException e) {
            out.println("warning: no " + FILE + " (" + e.getMessage() + "); make it later with `jdpo report " + runDir + "`");
        }
        out.flush();
    }

    // ---------------------------------------------------------------- the pairs, scored

    private static List<TokenByToken> scorePairs(RunFiles run, RunInfo info, Kernels kernels, int pairsEach) {
        if (pairsEach <= 0 || info.policy() == null || info.beta() == null
                || !Files.isRegularFile(info.policy().resolve(Gpt2Checkpoint.WEIGHTS))) {
            return List.of();
        }
        Gpt2Params policy = Gpt2Checkpoint.load(info.policy()).params;
        Tokenizer tok = Tokenizer.load(info.policy());
        Gpt2Params reference = null;
        if (info.reference() != null) {
            if (!Files.isRegularFile(info.reference().resolve(Gpt2Checkpoint.WEIGHTS))) {
                throw new BadInputException(info.reference() + ": the run's reference model is not there (pass --ref-model DIR)");
            }
            reference = Gpt2Checkpoint.load(info.reference()).params;
        }
        DpoLoss loss = new DpoLoss(LossType.parse(info.loss()), info.beta(), 0, info.reference() == null);
        List<TokenByToken> out = new ArrayList<>();
        if (info.data() != null && Files.isRegularFile(info.data())) {
            List<PreferencePair> train = PreferenceData.read(info.data());
            add(out, train, "training pair", info.data(), false, pairsEach, policy, reference, kernels, tok, loss);
        }
        if (info.evalData() != null && Files.isRegularFile(info.evalData())) {
            add(out, PreferenceData.read(info.evalData()), "held-out pair", info.evalData(), true, pairsEach, policy, reference,
                    kernels, tok, loss);
        } else if (!run.samples.isEmpty()) {
            add(out, heldOutFromSamples(run), "held-out prompt", run.dir.resolve("samples.jsonl"), true, pairsEach, policy,
                    reference, kernels, tok, loss);
        }
        return out;
    }

    /** Up to {@code n} pairs of {@code list} that fit the model, scored. */
    private static void add(List<TokenByToken> out, List<PreferencePair> list, String what, Path file, boolean heldOut, int n,
                            Gpt2Params policy, Gpt2Params reference, Kernels kernels, Tokenizer tok, DpoLoss loss) {
        int added = 0;
        for (int i = 0; i < list.size() && added < n; i++) {
            String source = what + " " + (i + 1) + " of " + file.getFileName();
            try {
                out.add(TokenByToken.of(source, heldOut, list.get(i), policy, reference, kernels, tok, loss));
                added++;
            } catch (BadInputException tooLong) {
                // longer than the model's context: show the next one instead
            }
        }
    }

    /**
     * The demo has no held-out pairs, but it has two continuations of each held-out prompt, one
     * sampled before training and one after; ranked by their reward they make a pair the policy
     * never trained on. Ties carry no preference and are skipped.
     */
    private static List<PreferencePair> heldOutFromSamples(RunFiles run) {
        List<PreferencePair> out = new ArrayList<>();
        for (JsonObject s : run.samples) {
            if (!RunFiles.isNumber(s, "reward_before") || !RunFiles.isNumber(s, "reward_after")) continue;
            double before = s.get("reward_before").getAsDouble(), after = s.get("reward_after").getAsDouble();
            if (before == after) continue;
            String b = s.get("before").getAsString(), a = s.get("after").getAsString();
            out.add(new PreferencePair(s.get("prompt").getAsString(), after > before ? a : b, after > before ? b : a, "samples.jsonl"));
        }
        return out;
    }

    // ---------------------------------------------------------------- the page

    private String page() {
        StringBuilder body = new StringBuilder();
        List<String[]> nav = new ArrayList<>();
        section(body, nav, "run", "The run", runSection());
        section(body, nav, "tokens", "Token by token", tokenSection());
        section(body, nav, "samples", "Samples before and after", samplesSection());
        section(body, nav, "sweep", "Beta sweep: reward against KL", sweepSection());

        StringBuilder b = new StringBuilder(64 * 1024);
        String name = run.dir.toAbsolutePath().normalize().getFileName() == null ? run.dir.toString()
                : run.dir.toAbsolutePath().normalize().getFileName().toString();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                // An empty icon, so that the browser does not go looking for favicon.ico.
                .append("<link rel=\"icon\" href=\"data:,\">\n")
                .append("<title>What DPO did: ").append(Html.text(name)).append("</title>\n")
                .append("<style>").append(STYLE).append("</style>\n</head>\n<body>\n<header>\n")
                .append("<h1>What DPO did in <code>").append(Html.text(name)).append("</code></h1>\n<p class=\"sub\">")
                .append(info == null ? "a run" : Html.text(info.kind()) + " run").append(" · report by jdpo");
        if (run.written != null) {
            b.append(" · files of ").append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
                    .format(run.written.toInstant().atZone(ZoneOffset.UTC)));
        }
        b.append("</p>\n<nav aria-label=\"Sections\">");
        for (String[] n : nav) b.append("<a href=\"#").append(n[0]).append("\">").append(n[1]).append("</a>");
        b.append("</nav>\n</header>\n<main>\n").append(body).append("</main>\n");
        b.append("<footer><p>DPO trains a policy π on pairs (prompt x, chosen y<sub>w</sub>, rejected y<sub>l</sub>) against a "
                + "frozen reference π<sub>ref</sub>: loss = −log σ(β · [(log π(y<sub>w</sub>|x) − log π<sub>ref</sub>(y<sub>w</sub>|x)) − "
                + "(log π(y<sub>l</sub>|x) − log π<sub>ref</sub>(y<sub>l</sub>|x))]).</p></footer>\n");
        b.append("<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void section(StringBuilder body, List<String[]> nav, String id, String title, String content) {
        if (content == null) return;
        nav.add(new String[] {id, (nav.size() + 1) + ". " + title});
        body.append("<section id=\"").append(id).append("\">\n<h2>").append(nav.size()).append(". ").append(Html.text(title))
                .append("</h2>\n").append(content).append("</section>\n");
    }

    private static String look(String text) {
        return "<p class=\"look\">" + text + "</p>\n";
    }

    // 1. The run

    private String runSection() {
        StringBuilder b = new StringBuilder();
        if (!run.metrics.isEmpty()) {
            b.append(look("<b>What to look at:</b> the loss starts at ln 2 = 0.693, where the policy still is the reference, "
                    + "and falls as the policy learns to rank the chosen response first. The margin β·(r<sub>w</sub> − r<sub>l</sub>) "
                    + "and the accuracy (share of pairs with the chosen reward above the rejected) rise. β is the pull back "
                    + "to the reference."));
        }
        b.append("<dl class=\"facts\">");
        if (info != null) {
            fact(b, "policy", info.policy() == null || !Files.isDirectory(info.policy()) ? null : display(info.policy()));
            fact(b, "reference", info.reference() == null ? (info.policy() == null ? null : "none (reference-free: log π_ref = 0)")
                    : display(info.reference()));
            fact(b, "training data", info.data() == null ? null : display(info.data()));
            fact(b, "held-out data", info.evalData() == null ? null : display(info.evalData()));
            if (info.beta() != null) {
                fact(b, "β (beta)", Html.exact(info.beta()));
                fact(b, "loss", info.loss());
            }
        }
        for (var e : run.settings.entrySet()) {
            if (List.of("model", "data", "beta", "loss").contains(e.getKey())) continue;
            fact(b, e.getKey().replace('_', ' '), e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString());
        }
        for (String k : new String[] {"steps", "seed", "eval_prompts", "seconds"}) {
            if (RunFiles.isNumber(run.summary, k)) {
                double v = run.summary.get(k).getAsDouble();
                fact(b, k.replace('_', ' '), k.equals("seconds") ? Html.num(v, 1) : Html.exact(v).replaceAll("\\.0$", ""));
            }
        }
        b.append("</dl>\n");
        b.append(headline());

        List<String> charts = new ArrayList<>();
        SvgChart loss = new SvgChart("DPO loss by step", "step", "loss")
                .line("train", xs(run.series(run.metrics, "loss")), ys(run.series(run.metrics, "loss")))
                .line("held-out", xs(run.series(run.metrics, "eval_loss")), ys(run.series(run.metrics, "eval_loss")));
        if (!loss.isEmpty()) charts.add(figure(loss.mark(Math.log(2), "ln 2 = 0.693 (policy = reference)"),
                "Loss. The dashed line is ln 2, the loss of every pair before the first step."));
        trainEval(charts, "rewards/margins", "Reward margin β·(r_w − r_l)", "margin",
                "Margin: how far the chosen response's implied reward is above the rejected one's, on average.");
        trainEval(charts, "rewards/accuracies", "Reward accuracy", "accuracy",
                "Accuracy: the share of pairs whose chosen response has the higher implied reward.");
        Map<Double, Double> chosen = run.series(run.metrics, "rewards/chosen"), rejected = run.series(run.metrics, "rewards/rejected");
        SvgChart rewards = new SvgChart("Implied rewards by step", "step", "β · log-ratio")
                .line("chosen", xs(chosen), ys(chosen)).line("rejected", xs(rejected), ys(rejected));
        if (!rewards.isEmpty()) charts.add(figure(rewards.mark(0, "0 (policy = reference)"),
                "Implied rewards β·(log π − log π_ref) of the chosen and the rejected responses. Both may fall: DPO only needs the gap to grow."));
        Map<Double, Double> evalReward = run.series(run.eval, "reward"), evalKl = run.series(run.eval, "kl");
        SvgChart er = new SvgChart("Held-out reward by step", "step", "mean reward").line("reward", xs(evalReward), ys(evalReward));
        if (!er.isEmpty()) charts.add(figure(er, "Mean reward of continuations sampled on held-out prompts during training."));
        SvgChart ek = new SvgChart("KL from the reference by step", "step", "KL (nats)").line("KL", xs(evalKl), ys(evalKl));
        if (!ek.isEmpty()) charts.add(figure(ek, "How far the policy has moved from the reference (KL, estimated from its samples)."));
        if (!charts.isEmpty()) {
            b.append("<div class=\"charts\">");
            for (String c : charts) b.append(c);
            b.append("</div>\n");
        }
        return b.toString();
    }

    /** The demo's result in one line: reward before and after, KL, well-formedness when recorded. */
    private String headline() {
        JsonObject s = run.summary;
        if (!RunFiles.isNumber(s, "reward_before") || !RunFiles.isNumber(s, "reward_after")) return "";
        StringBuilder b = new StringBuilder("<p class=\"headline\">Mean reward on held-out prompts <b>")
                .append(Html.signed(s.get("reward_before").getAsDouble(), 3)).append("</b> before → <b>")
                .append(Html.signed(s.get("reward_after").getAsDouble(), 3)).append("</b> after");
        if (RunFiles.isNumber(s, "reward_min") && RunFiles.isNumber(s, "reward_max")) {
            b.append(" (the reward runs from ").append(Html.signed(s.get("reward_min").getAsDouble(), 0)).append(" to ")
                    .append(Html.signed(s.get("reward_max").getAsDouble(), 0)).append(")");
        }
        if (RunFiles.isNumber(s, "kl")) b.append("; KL from the reference ").append(Html.num(s.get("kl").getAsDouble(), 3)).append(" nats");
        if (RunFiles.isNumber(s, "well_formed_before") && RunFiles.isNumber(s, "well_formed_after")) {
            b.append("; well-formed ").append(Html.num(100 * s.get("well_formed_before").getAsDouble(), 0)).append("% → ")
                    .append(Html.num(100 * s.get("well_formed_after").getAsDouble(), 0)).append("%");
        }
        if (RunFiles.isNumber(s, "ref_logprob_per_token_before") && RunFiles.isNumber(s, "ref_logprob_per_token_after")) {
            b.append("; log π_ref per token ").append(Html.num(s.get("ref_logprob_per_token_before").getAsDouble(), 2)).append(" → ")
                    .append(Html.num(s.get("ref_logprob_per_token_after").getAsDouble(), 2));
        }
        return b.append(".</p>\n").toString();
    }

    private void trainEval(List<String> charts, String metric, String title, String yLabel, String caption) {
        Map<Double, Double> t = run.series(run.metrics, metric), e = run.series(run.metrics, "eval_" + metric);
        SvgChart c = new SvgChart(title + " by step", "step", yLabel).line("train", xs(t), ys(t)).line("held-out", xs(e), ys(e));
        if (!c.isEmpty()) charts.add(figure(c, caption));
    }

    private static String figure(SvgChart chart, String caption) {
        return "<figure>" + chart.svg() + "<figcaption>" + Html.text(caption) + "</figcaption></figure>";
    }

    private static void fact(StringBuilder b, String name, String value) {
        if (value == null) return;
        b.append("<div><dt>").append(Html.text(name)).append("</dt><dd>").append(Html.text(value)).append("</dd></div>");
    }

    /** A path as the user would type it: relative to the working directory when it lies below it. */
    private static String display(Path p) {
        Path abs = p.toAbsolutePath().normalize(), here = Path.of("").toAbsolutePath();
        return abs.startsWith(here) && !abs.equals(here) ? here.relativize(abs).toString() : abs.toString();
    }

    private static double[] xs(Map<Double, Double> m) {
        return m.keySet().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] ys(Map<Double, Double> m) {
        return m.values().stream().mapToDouble(Double::doubleValue).toArray();
    }

    // 2. Token by token

    private String tokenSection() {
        if (pairs.isEmpty()) return null;
        double scale = colourScale(pairs);
        StringBuilder b = new StringBuilder();
        b.append(look("<b>What to look at:</b> each token of the two responses, coloured by how much training moved its "
                + "log-probability: <span class=\"up\">blue</span> where the policy gives the token more probability than the "
                + "reference did, <span class=\"down\">red</span> where less. Point at a token (or tap it) for its numbers. "
                + "DPO pushes the chosen response up relative to the rejected one, and the sums below add up to the pair's loss."));
        b.append("<div class=\"controls\"><label for=\"pair-select\">Pair </label><select id=\"pair-select\">");
        for (int i = 0; i < pairs.size(); i++) {
            TokenByToken p = pairs.get(i);
            b.append("<option value=\"pair-").append(i).append("\">").append(Html.text(p.source())).append(": ")
                    .append(Html.text(shorten(p.prompt(), 48))).append("</option>");
        }
        b.append("</select>");
        b.append("<span class=\"scale\" aria-hidden=\"true\"><span class=\"sw\" style=\"background:rgb(").append(RED)
                .append(")\"></span>").append(Html.signed(-scale, 2)).append(" nats or less <span class=\"sw\"></span> 0 <span class=\"sw\" style=\"background:rgb(")
                .append(BLUE).append(")\"></span>").append(Html.signed(scale, 2)).append(" nats or more</span></div>\n");
        for (int i = 0; i < pairs.size(); i++) b.append(pair(i, pairs.get(i), scale));
        return b.toString();
    }

    /**
     * The change in log-prob that gets the full colour: the 90th percentile of |log pi - log pi_ref|
     * over all tokens shown, so that one token that moved a lot does not leave the rest pale.
     */
    private static double colourScale(List<TokenByToken> pairs) {
        List<Double> changes = new ArrayList<>();
        for (TokenByToken p : pairs) {
            for (TokenByToken.Token t : p.chosen().tokens()) changes.add(Math.abs(t.change()));
            for (TokenByToken.Token t : p.rejected().tokens()) changes.add(Math.abs(t.change()));
        }
        changes.sort(null);
        return Math.max(1e-6, changes.get((int) (0.9 * (changes.size() - 1))));
    }

    private static String pair(int index, TokenByToken p, double scale) {
        StringBuilder b = new StringBuilder();
        b.append("<article class=\"pair\" id=\"pair-").append(index).append("\">\n<h3>").append(Html.text(p.source()))
                .append(p.heldOut() ? " <span class=\"tag\">held out</span>" : " <span class=\"tag train\">trained on</span>").append("</h3>\n");
        b.append("<p class=\"prompt\"><span class=\"label\">prompt x</span> ").append(Html.text(p.prompt())).append("</p>\n");
        response(b, "chosen y<sub>w</sub>", "chosen", p.chosen(), scale);
        response(b, "rejected y<sub>l</sub>", "rejected", p.rejected(), scale);
        b.append("<p class=\"readout\" aria-live=\"polite\">Point at a token, or tap it, to see its numbers here.</p>\n");
        b.append(sums(p));
        b.append("<details><summary>Every token's numbers (table)</summary><div class=\"tables\">");
        table(b, "Chosen response y_w, token by token", p.chosen());
        table(b, "Rejected response y_l, token by token", p.rejected());
        b.append("</div></details>\n</article>\n");
        return b.toString();
    }

    private static void response(StringBuilder b, String label, String css, TokenByToken.Response r, double scale) {
        b.append("<p class=\"response ").append(css).append("\"><span class=\"label\">").append(label).append("</span> ");
        for (TokenByToken.Token t : r.tokens()) {
            double d = t.change(), alpha = Math.min(1, Math.abs(d) / scale);
            String tip = quoted(t.text()) + "   log π = " + Html.num(t.logp(), 4) + "   log π_ref = "
                    + Html.num(t.refLogp(), 4) + "   difference = " + Html.signed(d, 4);
            b.append(String.format(Locale.ROOT, "<span class=\"tok%s\" tabindex=\"0\" style=\"background:rgba(%s,%.3f)\"",
                    alpha > 0.55 ? " dark" : "", d >= 0 ? BLUE : RED, alpha));
            b.append(" data-logp=\"").append(Html.exact(t.logp())).append("\" data-ref=\"").append(Html.exact(t.refLogp()))
                    .append("\" data-change=\"").append(Html.exact(d)).append("\" data-tip=\"").append(Html.text(tip))
                    .append("\" title=\"").append(Html.text(tip)).append("\">").append(Html.text(visible(t.text()))).append("</span>");
        }
        b.append("</p>\n");
    }

    /** Token text as the tables and the demo show it: in quotes, a line break as \\n. */
    private static String quoted(String token) {
        return "\"" + token.replace("\n", "\\n") + "\"";
    }

    /** Token text as it should look inline: a line break and the end-of-text token made visible. */
    private static String visible(String token) {
        return token.replace("\n", "↵");
    }

    /** The pair's loss worked out as the demo prints it. */
    private static String sums(TokenByToken p) {
        double rw = p.chosen().logRatio(), rl = p.rejected().logRatio();
        StringBuilder b = new StringBuilder("<table class=\"sums\"><caption>The pair's loss, step by step</caption><tbody>");
        row(b, "log-ratio of y<sub>w</sub>", "log π(y<sub>w</sub>|x) − log π<sub>ref</sub>(y<sub>w</sub>|x) = "
                + Html.num(p.chosen().logp(), 4) + " − (" + Html.num(p.chosen().refLogp(), 4) + ")", Html.signed(rw, 4), "r_w");
        row(b, "log-ratio of y<sub>l</sub>", "log π(y<sub>l</sub>|x) − log π<sub>ref</sub>(y<sub>l</sub>|x) = "
                + Html.num(p.rejected().logp(), 4) + " − (" + Html.num(p.rejected().refLogp(), 4) + ")", Html.signed(rl, 4), "r_l");
        row(b, "difference", "r<sub>w</sub> − r<sub>l</sub> = " + Html.num(rw, 4) + " − (" + Html.num(rl, 4) + ")",
                Html.signed(p.difference(), 4), "difference");
        row(b, "times β", Html.exact(p.loss().beta()) + " × " + Html.num(p.difference(), 4) + " (the implied reward margin)",
                Html.signed(p.margin(), 4), "margin");
        row(b, "sigmoid", "σ(" + Html.num(p.margin(), 4) + "): how sure the policy is that y<sub>w</sub> comes first",
                Html.num(p.sigmoid(), 4), "sigmoid");
        String lossText = p.loss().type() == LossType.SIGMOID && p.loss().labelSmoothing() == 0
                ? "−log σ(" + Html.num(p.margin(), 4) + "); ln 2 = 0.6931 while policy = reference"
                : Html.text(p.loss().type().trlName()) + " loss of the four sums";
        row(b, "loss", lossText, Html.num(p.lossValue(), 4), "loss");
        return b.append("</tbody></table>\n").toString();
    }

    private static void row(StringBuilder b, String what, String formula, String value, String key) {
        b.append("<tr data-key=\"").append(key).append("\"><th scope=\"row\">").append(what).append("</th><td>").append(formula)
                .append("</td><td class=\"num\">").append(value).append("</td></tr>");
    }

    private static void table(StringBuilder b, String caption, TokenByToken.Response r) {
        b.append("<table class=\"tokens\"><caption>").append(Html.text(caption)).append("</caption><thead><tr>")
                .append("<th scope=\"col\">token</th><th scope=\"col\">log π</th><th scope=\"col\">log π<sub>ref</sub></th>")
                .append("<th scope=\"col\">difference</th></tr></thead><tbody>");
        for (TokenByToken.Token t : r.tokens()) {
            b.append("<tr><th scope=\"row\"><code>").append(Html.text(quoted(t.text()))).append("</code></th><td class=\"num\">").append(Html.num(t.logp(), 4))
                    .append("</td><td class=\"num\">").append(Html.num(t.refLogp(), 4)).append("</td><td class=\"num\">")
                    .append(Html.signed(t.change(), 4)).append("</td></tr>");
        }
        b.append("<tr class=\"total\"><th scope=\"row\">sum</th><td class=\"num\">").append(Html.num(r.logp(), 4))
                .append("</td><td class=\"num\">").append(Html.num(r.refLogp(), 4)).append("</td><td class=\"num\">")
                .append(Html.signed(r.logRatio(), 4)).append("</td></tr></tbody></table>");
    }

    // 3. Samples

    private static final int MAX_SAMPLES = 12;

    private String samplesSection() {
        if (run.samples.isEmpty()) return null;
        boolean wellFormed = run.samples.stream().anyMatch(s -> RunFiles.isBoolean(s, "well_formed_before"));
        StringBuilder b = new StringBuilder();
        b.append(look("<b>What to look at:</b> continuations of prompts the policy never trained on, sampled from the "
                + "model before DPO and from the policy after it. The reward scores each one; DPO should move the rewards up "
                + "without the text falling apart (a policy pushed too far from its reference starts to write nonsense)."));
        b.append("<div class=\"scroll\"><table class=\"samples\"><caption>")
                .append(Math.min(MAX_SAMPLES, run.samples.size())).append(" of ").append(run.samples.size())
                .append(" held-out prompts</caption><thead><tr><th scope=\"col\">prompt</th><th scope=\"col\">before DPO</th>")
                .append("<th scope=\"col\">reward</th><th scope=\"col\">after DPO</th><th scope=\"col\">reward</th></tr></thead><tbody>");
        for (JsonObject s : run.samples.subList(0, Math.min(MAX_SAMPLES, run.samples.size()))) {
            b.append("<tr><td>").append(Html.text(string(s, "prompt"))).append("</td><td>").append(Html.text(string(s, "before")));
            if (wellFormed) b.append(formed(s, "well_formed_before"));
            b.append("</td>").append(reward(s, "reward_before")).append("<td>").append(Html.text(string(s, "after")));
            if (wellFormed) b.append(formed(s, "well_formed_after"));
            b.append("</td>").append(reward(s, "reward_after")).append("</tr>");
        }
        return b.append("</tbody></table></div>\n").toString();
    }

    private static String reward(JsonObject s, String key) {
        if (!RunFiles.isNumber(s, key)) return "<td></td>";
        double r = s.get(key).getAsDouble();
        return "<td class=\"num " + (r > 0 ? "pos" : r < 0 ? "neg" : "") + "\">" + Html.signed(r, 2) + "</td>";
    }

    private static String formed(JsonObject s, String key) {
        if (!RunFiles.isBoolean(s, key)) return "";
        return s.get(key).getAsBoolean() ? " <span class=\"ok\">well-formed</span>" : " <span class=\"bad\">ill-formed</span>";
    }

    private static String string(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : "";
    }

    // 4. The beta sweep

    private String sweepSection() {
        if (run.sweep.isEmpty()) return null;
        SvgChart chart = new SvgChart("Mean reward against KL, one policy per beta", "KL(policy ‖ reference), nats per continuation",
                "mean reward");
        double base = Double.NaN;
        StringBuilder rows = new StringBuilder();
        for (JsonObject r : run.sweep) {
            double beta = r.get("beta").getAsDouble();
            if (RunFiles.isNumber(r, "reward_before")) base = r.get("reward_before").getAsDouble();
            double kl = RunFiles.isNumber(r, "kl") ? r.get("kl").getAsDouble() : Double.NaN;
            double reward = RunFiles.isNumber(r, "reward_after") ? r.get("reward_after").getAsDouble() : Double.NaN;
            if (Double.isFinite(kl) && Double.isFinite(reward)) chart.point(kl, reward, "β = " + Html.exact(beta), "s0");
            rows.append("<tr><td class=\"num\">").append(Html.exact(beta)).append("</td><td class=\"num\">").append(Html.num(kl, 3))
                    .append("</td><td class=\"num\">").append(Html.signed(reward, 3)).append("</td></tr>");
        }
        if (Double.isFinite(base)) chart.point(0, base, "base model (β → ∞)", "base");
        StringBuilder b = new StringBuilder();
        b.append(look("<b>What to look at:</b> each dot is one policy trained with DPO at one β. A small β lets the policy "
                + "move far from the reference (large KL) for more reward; a large β holds it close. The grey dot is the base "
                + "model: no KL, its own reward."));
        b.append("<div class=\"charts one\">").append(figure(chart, "Reward against KL; the base model sits at KL = 0."))
                .append("</div>\n");
        b.append("<table class=\"sweep\"><caption>One row per β</caption><thead><tr><th scope=\"col\">β</th>")
                .append("<th scope=\"col\">KL (nats)</th><th scope=\"col\">mean reward after</th></tr></thead><tbody>");
        if (Double.isFinite(base)) {
            b.append("<tr class=\"base\"><td>base model</td><td class=\"num\">0</td><td class=\"num\">").append(Html.signed(base, 3)).append("</td></tr>");
        }
        return b.append(rows).append("</tbody></table>\n").toString();
    }

    // ---------------------------------------------------------------- style and script

    /** Short text for a menu entry: one line, at most {@code max} characters. */
    private static String shorten(String s, int max) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 1) + "…";
    }

    private static final String STYLE = """
            :root{--ink:#1d232b;--muted:#5a6370;--line:#d8dde3;--paper:#fff;--wash:#f5f7f9;--blue:rgb(33,102,172);--red:rgb(178,24,43)}
            *{box-sizing:border-box}
            body{margin:0;font:clamp(16px,0.55vw + 13px,21px)/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--paper)}
            header,main,footer{max-width:1180px;margin:0 auto;padding:0 clamp(12px,3vw,32px)}
            header{padding-top:1.2em}
            h1{font-size:1.8em;line-height:1.2;margin:.2em 0}
            h1 code{font-size:.9em}
            h2{font-size:1.4em;margin:1.6em 0 .4em;padding-top:.6em;border-top:2px solid var(--line)}
            h3{font-size:1.05em;margin:.2em 0 .5em}
            .sub{color:var(--muted);margin:.2em 0 .6em}
            nav{display:flex;flex-wrap:wrap;gap:.4em .9em}
            nav a{color:var(--blue)}
            .look{background:var(--wash);border-left:4px solid var(--blue);padding:.5em .8em;margin:.5em 0 1em}
            .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(15em,45%),1fr));gap:.3em 1.2em;margin:0 0 1em}
            .facts div{min-width:0}
            .facts dt{color:var(--muted);font-size:.8em}
            .facts dd{margin:0;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
            .headline{font-size:1.1em}
            .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:1em}
            .charts.one{max-width:720px}
            figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.4em}
            figcaption{font-size:.85em;color:var(--muted);padding:0 .3em}
            svg.chart{width:100%;height:auto;display:block}
            svg .plot{fill:#fff;stroke:var(--line)}
            svg .grid{stroke:#eceff2;stroke-width:1}
            svg .tick{font-size:12px;fill:var(--muted)}
            svg .axis{font-size:13px;fill:var(--ink)}
            svg .legend{font-size:13px;fill:var(--ink)}
            svg .mark{stroke:#555;stroke-width:1.5;stroke-dasharray:6 4}
            svg .marklabel{font-size:12px;fill:#444;paint-order:stroke;stroke:#fff;stroke-width:4px}
            svg .plabel{font-size:13px;fill:var(--ink);paint-order:stroke;stroke:#fff;stroke-width:4px}
            svg polyline{fill:none;stroke-width:2.2;stroke-linejoin:round}
            svg polyline.s0,svg .key.s0{stroke:var(--blue);fill:var(--blue)} svg polyline.s0{fill:none}
            svg polyline.s1,svg .key.s1{stroke:#d95f02;fill:#d95f02} svg polyline.s1{fill:none}
            svg polyline.s2,svg .key.s2{stroke:#1b9e77;fill:#1b9e77} svg polyline.s2{fill:none}
            svg polyline.s3,svg .key.s3{stroke:#7570b3;fill:#7570b3} svg polyline.s3{fill:none}
            svg circle.s0{fill:var(--blue)} svg circle.s1{fill:#d95f02} svg circle.s2{fill:#1b9e77} svg circle.s3{fill:#7570b3}
            svg circle.base{fill:#888;stroke:#333;stroke-width:1.5}
            .controls{display:flex;flex-wrap:wrap;align-items:center;gap:.6em 1.2em;margin:.5em 0 1em}
            select{font:inherit;max-width:100%;padding:.2em}
            .scale{font-size:.85em;color:var(--muted);white-space:nowrap}
            .sw{display:inline-block;width:1.6em;height:.9em;vertical-align:middle;border:1px solid var(--line);margin:0 .2em}
            .up{color:var(--blue);font-weight:600}.down{color:var(--red);font-weight:600}
            .pair{border:1px solid var(--line);border-radius:8px;padding:.6em 1em;margin-bottom:1em}
            .tag{font-size:.7em;font-weight:600;background:#fde6c8;color:#7a4100;border-radius:4px;padding:.1em .4em;vertical-align:middle}
            .tag.train{background:#dde8f3;color:#173e66}
            .label{display:inline-block;min-width:7.5em;color:var(--muted);font-size:.85em}
            .prompt,.response{margin:.35em 0;overflow-wrap:anywhere}
            .response{line-height:2}
            .tok{white-space:pre-wrap;border-radius:3px;padding:.12em 0;cursor:pointer;outline-offset:1px;box-shadow:inset 0 0 0 1px rgba(0,0,0,.08)}
            .tok.dark{color:#fff}
            .tok.on,.tok:focus{outline:2px solid var(--ink)}
            .readout{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;background:var(--wash);padding:.4em .6em;border-radius:4px;white-space:pre-wrap;min-height:1.5em}
            table{border-collapse:collapse;font-variant-numeric:tabular-nums}
            caption{text-align:left;font-weight:600;padding:.3em 0}
            th,td{border-bottom:1px solid var(--line);padding:.25em .6em;text-align:left;vertical-align:top}
            td.num,th.num{text-align:right;white-space:nowrap}
            .sums{width:100%;margin:.6em 0}
            .sums th{white-space:nowrap}
            .sums tr[data-key=loss]{font-weight:700}
            .tables{display:flex;flex-wrap:wrap;gap:1.5em}
            .tokens{font-size:.85em}
            .tokens .total{font-weight:700}
            .scroll{overflow-x:auto}
            .samples{width:100%;font-size:.9em}
            .samples td:first-child{color:var(--muted)}
            .pos{color:var(--blue)}.neg{color:var(--red)}
            .ok{font-size:.75em;color:#1b6e3a}.bad{font-size:.75em;color:var(--red);font-weight:600}
            .sweep tr.base td{color:var(--muted)}
            details{margin:.4em 0}
            summary{cursor:pointer;color:var(--blue)}
            footer{color:var(--muted);font-size:.85em;margin-top:2em;border-top:1px solid var(--line)}
            @media (max-width:600px){.label{display:block}.sums td:nth-child(2){font-size:.85em}}
            @media print{body{font-size:11pt}nav,.controls select,.readout,summary{display:none}.pair[hidden]{display:block!important}
            .pair,figure{break-inside:avoid}details>*{display:block}h2{break-after:avoid}}
            """;

    /** Shows the selected pair, and a token's numbers in its pair's readout when it is pointed at, focused or tapped. */
    private static final String SCRIPT = """
            (function () {
              var select = document.getElementById('pair-select');
              function show() {
                document.querySelectorAll('.pair').forEach(function (p) { p.hidden = p.id !== select.value; });
              }
              if (select) { select.addEventListener('change', show); show(); }
              function read(event) {
                var tok = event.target.closest && event.target.closest('.tok');
                if (!tok) return;
                document.querySelectorAll('.tok.on').forEach(function (t) { t.classList.remove('on'); });
                tok.classList.add('on');
                tok.closest('.pair').querySelector('.readout').textContent = tok.getAttribute('data-tip');
              }
              ['mouseover', 'focusin', 'click'].forEach(function (kind) { document.addEventListener(kind, read); });
            })();
            """;
}
