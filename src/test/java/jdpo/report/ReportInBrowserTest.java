package jdpo.report;

import com.google.gson.JsonObject;
import jdpo.cli.Cli;
import jdpo.dpo.PreferenceData;
import jdpo.dpo.PreferencePair;
import jdpo.dpo.ResponseLogProbs;
import jdpo.gpt2.Gpt2Checkpoint;
import jdpo.gpt2.Gpt2Params;
import jdpo.io.Json;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's report, opened in headless Chromium, checked for what a person would see: no console
 * errors and no network request, every section there and visible, the token spans carrying the
 * same numbers as {@code score --json} and the Java API, charts drawn, a token's numbers shown on
 * hover and on tap, a pair chosen from the menu, and screenshots at laptop and phone size that are
 * not blank. Screenshots go to {@code target/report-screenshots/}.
 */
class ReportInBrowserTest {
    static final Path TINY = Path.of("weights/tiny");
    static final Path SHOTS = Path.of("target/report-screenshots");

    @TempDir
    static Path tmp;
    static Path demo;
    static Browser browser;

    @BeforeAll
    static void runTheDemoAndOpenABrowser() {
        demo = tmp.resolve("demo");
        Cli run = Cli.run("demo", "--steps", "6", "--eval-prompts", "8", "--seed", "3", "--threads", "1", "--out", demo.toString());
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.out.contains("report.html"), "the demo ends by naming its report:\n" + run.out);
        browser = new Browser(1280, 800);
    }

    @AfterAll
    static void closeTheBrowser() {
        if (browser != null) browser.close();
    }

    private static Path report() {
        return demo.resolve(HtmlReport.FILE);
    }

    @Test
    void pageLoadsWithNoConsoleErrorsAndNoNetworkRequest() throws IOException {
        browser.consoleProblems();
        browser.open(report());
        assertEquals(List.of(), browser.consoleProblems(), "console warnings or errors");
        // Every resource the page fetched (stylesheets, images, scripts, fonts, XHR) is a resource-timing entry.
        assertEquals(0L, browser.js("return performance.getEntriesByType('resource').length;"),
                "the page requested: " + browser.js("return performance.getEntriesByType('resource').map(e => e.name).join(', ');"));
        assertEquals(0L, browser.js("return document.querySelectorAll('[src], link[href]:not([href^=\"data:\"])').length;"),
                "an element that would load something");
        assertTrue(Files.size(report()) < 2_000_000, "the demo's report is " + Files.size(report()) + " bytes");
    }

    @Test
    void everySectionIsPresentAndVisible() {
        browser.open(report());
        for (String id : new String[] {"run", "tokens", "samples"}) {
            WebElement section = browser.driver.findElement(By.id(id));
            assertTrue(section.isDisplayed(), id + " is not displayed");
            assertTrue(section.getSize().height > 100 && section.getSize().width > 300, id + " is " + section.getSize());
            assertFalse(section.findElement(By.cssSelector("p.look")).getText().isBlank(), id + " says what to look at");
        }
        String text = browser.driver.findElement(By.tagName("body")).getText();
        assertTrue(text.contains("ln 2"), "the loss chart marks ln 2");
        assertTrue(text.contains("weights" + java.io.File.separator + "tiny") || text.contains(TINY.toAbsolutePath().toString()),
                "the page names the reference model");
        List<WebElement> charts = browser.driver.findElements(By.cssSelector("svg.chart"));
        assertTrue(charts.size() >= 4, charts.size() + " charts");
        for (WebElement c : charts) {
            assertTrue(c.getSize().width > 200 && c.getSize().height > 100, "chart of size " + c.getSize());
            assertFalse(c.findElements(By.cssSelector("polyline, circle")).isEmpty(), "a chart with nothing drawn");
        }
        assertEquals(8, browser.driver.findElements(By.cssSelector("#samples tbody tr")).size(), "one row per held-out prompt");
    }

    @Test
    void tokenSpansCarryTheNumbersOfScoreAndOfTheJavaApi() throws IOException {
        browser.open(report());
        WebElement pair = browser.driver.findElement(By.id("pair-0"));
        PreferencePair first = PreferenceData.read(TINY.resolve("pairs.jsonl")).get(0);
        assertTrue(pair.getText().contains(first.prompt), "pair 0 is the first training pair");

        // Token by token, against ResponseLogProbs on the same models (same kernels, one thread: the same bits).
        Gpt2Params policy = Gpt2Checkpoint.load(demo.resolve("policy")).params, reference = Gpt2Checkpoint.load(TINY).params;
        Tokenizer tok = Tokenizer.load(TINY);
        Kernels kernels = Kernels.of("vector", new Parallel(1));
        ResponseLogProbs.Result p = ResponseLogProbs.compute(policy, kernels, tok, first.prompt, first.rejected, true);
        ResponseLogProbs.Result r = ResponseLogProbs.compute(reference, kernels, tok, first.prompt, first.rejected, true);
        kernels.parallel().close();
        List<WebElement> spans = pair.findElements(By.cssSelector(".response.rejected .tok"));
        assertEquals(p.responseIds.length, spans.size(), "one span per token, end-of-text included");
        for (int j = 0; j < spans.size(); j++) {
            assertEquals(tok.tokenText(p.responseIds[j]).replace("\n", "↵"), spans.get(j).getAttribute("textContent"));
            assertEquals(p.logprobs[j], Double.parseDouble(spans.get(j).getAttribute("data-logp")), 0.0, "log pi of token " + j);
            assertEquals(r.logprobs[j], Double.parseDouble(spans.get(j).getAttribute("data-ref")), 0.0, "log pi_ref of token " + j);
        }

        // Sums against `jdpo score --json`, which scores the pair through the batched training path.
        Path one = tmp.resolve("first-pair.jsonl");
        Files.writeString(one, Files.readAllLines(TINY.resolve("pairs.jsonl")).get(0) + "\n", StandardCharsets.UTF_8);
        Cli score = Cli.run("score", "--model", demo.resolve("policy").toString(), "--ref-model", TINY.toString(),
                "--data", one.toString(), "--json", "--threads", "1");
        assertEquals(0, score.exitCode, score.toString());
        JsonObject s = Json.parse(score.out.lines().findFirst().orElseThrow(), "score").getAsJsonObject();
        assertEquals(s.get("logps/chosen").getAsDouble(), sum(pair, ".response.chosen .tok", "data-logp"), 1e-6);
        assertEquals(s.get("ref_logps/chosen").getAsDouble(), sum(pair, ".response.chosen .tok", "data-ref"), 1e-6);
        assertEquals(s.get("logps/rejected").getAsDouble(), sum(pair, ".response.rejected .tok", "data-logp"), 1e-6);
        assertEquals(s.get("ref_logps/rejected").getAsDouble(), sum(pair, ".response.rejected .tok", "data-ref"), 1e-6);
        String loss = pair.findElement(By.cssSelector(".sums tr[data-key=loss] td.num")).getAttribute("textContent");
        assertEquals(String.format(Locale.ROOT, "%.4f", s.get("loss").getAsDouble()), loss.replace('\u2212', '-'), "the pair's loss");
    }

    @Test
    void hoveringOrTappingATokenShowsItsNumbers() {
        browser.open(report());
        WebElement pair = browser.driver.findElement(By.id("pair-0"));
        WebElement readout = pair.findElement(By.cssSelector(".readout"));
        List<WebElement> tokens = pair.findElements(By.cssSelector(".response.chosen .tok"));
        WebElement second = tokens.get(1), third = tokens.get(2);
        String before = readout.getText();

        new Actions(browser.driver).moveToElement(second).perform();
        assertNotEquals(before, readout.getText(), "hovering changes nothing");
        assertTrue(readout.getText().contains(people(second.getAttribute("data-logp")))
                && readout.getText().contains(people(second.getAttribute("data-ref"))), readout.getText());

        third.click(); // a tap on a phone
        assertTrue(readout.getText().contains(people(third.getAttribute("data-logp"))), readout.getText());
        assertTrue(readout.getText().contains("difference"), readout.getText());
    }

    @Test
    void theMenuShowsOnePairAtATimeIncludingHeldOutOnes() {
        browser.open(report());
        List<WebElement> pairs = browser.driver.findElements(By.cssSelector("article.pair"));
        assertTrue(pairs.size() >= 4, pairs.size() + " pairs");
        assertTrue(pairs.get(0).isDisplayed() && !pairs.get(1).isDisplayed(), "only the selected pair shows");
        WebElement menu = browser.driver.findElement(By.id("pair-select"));
        int heldOut = -1;
        for (int i = 0; i < pairs.size(); i++) if (!pairs.get(i).findElements(By.cssSelector(".tag:not(.train)")).isEmpty()) heldOut = i;
        assertTrue(heldOut > 0, "a held-out pair");
        menu.click();
        menu.findElements(By.tagName("option")).get(heldOut).click();
        assertTrue(pairs.get(heldOut).isDisplayed() && !pairs.get(0).isDisplayed(), "the menu switches pairs");
        assertTrue(pairs.get(heldOut).getText().contains("held out"));
    }

    /**
     * With {@code -Djdpo.report.docs=RUN_DIR} the screenshots are of that run's report instead (how
     * the README's pictures of a full demo run are made).
     */
    @Test
    void screenshotsAtLaptopAndPhoneSizeAreNotBlank() throws IOException {
        Files.createDirectories(SHOTS);
        String docs = System.getProperty("jdpo.report.docs");
        Path page = docs != null ? Path.of(docs).resolve(HtmlReport.FILE) : report();
        for (int[] size : new int[][] {{1280, 800}, {390, 844}}) {
            browser.viewport(size[0], size[1]);
            browser.open(page);
            if (size[0] < 600) {
                assertTrue((Long) browser.js("return document.documentElement.scrollWidth;") <= size[0],
                        "the page is wider than a phone: " + browser.js("return document.documentElement.scrollWidth;"));
            }
            byte[] png = browser.driver.getScreenshotAs(OutputType.BYTES);
            Files.write(SHOTS.resolve("report-" + size[0] + "x" + size[1] + ".png"), png);
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertEquals(size[0], img.getWidth());
            assertEquals(size[1], img.getHeight());
            assertNotBlank(img, size[0] + "x" + size[1]);
        }
        // The pair a teacher projects, as an image of its own, with a token's numbers showing.
        // (Chromium clips an element's screenshot to the window, so: a viewport as tall as the pair, then a crop.)
        browser.viewport(1100, 1600);
        browser.open(page);
        WebElement pair = browser.driver.findElement(By.id("pair-0"));
        browser.js("arguments[0].scrollIntoView(true);", pair);
        new Actions(browser.driver).moveToElement(pair.findElements(By.cssSelector(".response.chosen .tok")).get(1)).perform();
        @SuppressWarnings("unchecked")
        java.util.Map<String, Number> r = (java.util.Map<String, Number>) browser.js(
                "var r = arguments[0].getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height};", pair);
        BufferedImage all = ImageIO.read(new ByteArrayInputStream(browser.driver.getScreenshotAs(OutputType.BYTES)));
        int x = Math.max(0, r.get("x").intValue() - 8), y = Math.max(0, r.get("y").intValue() - 8);
        BufferedImage shot = all.getSubimage(x, y, Math.min(all.getWidth() - x, r.get("w").intValue() + 16),
                Math.min(all.getHeight() - y, r.get("h").intValue() + 16));
        ImageIO.write(shot, "png", SHOTS.resolve("report-pair.png").toFile());
        assertTrue(shot.getHeight() > 300, "the pair is " + shot.getHeight() + " pixels tall");
        assertNotBlank(shot, "a pair, token by token");
        browser.viewport(1280, 800);
    }

    /** Sections that have data and only those: a sweep directory gets the reward-vs-KL chart with the base model. */
    @Test
    void aBetaSweepGetsItsChartWithTheBaseModelMarked() throws IOException {
        Path sweep = tmp.resolve("sweep");
        Files.createDirectories(sweep);
        Files.writeString(sweep.resolve("sweep.json"), "[{\"beta\":0.03,\"reward_before\":-0.05,\"reward_after\":0.6,\"kl\":9.5},"
                + "{\"beta\":0.1,\"reward_before\":-0.05,\"reward_after\":0.4,\"kl\":3.1},"
                + "{\"beta\":1.0,\"reward_before\":-0.05,\"reward_after\":0.02,\"kl\":0.2}]\n", StandardCharsets.UTF_8);
        Cli report = Cli.run("report", sweep.toString());
        assertEquals(0, report.exitCode, report.toString());
        browser.open(sweep.resolve(HtmlReport.FILE));
        assertEquals(List.of(), browser.consoleProblems());
        WebElement section = browser.driver.findElement(By.id("sweep"));
        assertTrue(section.isDisplayed());
        WebElement chart = section.findElement(By.cssSelector("svg.chart"));
        assertTrue(chart.getSize().width > 200 && chart.getSize().height > 100, "chart of size " + chart.getSize());
        assertEquals(3, chart.findElements(By.cssSelector("circle.s0")).size(), "one dot per beta");
        assertEquals(1, chart.findElements(By.cssSelector("circle.base")).size(), "the base model");
        assertTrue(section.getText().contains("base model"));
        assertTrue(browser.driver.findElements(By.id("tokens")).isEmpty() && browser.driver.findElements(By.id("run")).size() == 1);
    }

    /** Prompts are user text: {@code <script>} and {@code &} in one must show as typed and never run. */
    @Test
    void textFromTheDataIsEscaped() throws IOException {
        Path run = tmp.resolve("evil");
        Files.createDirectories(run);
        // Short: the tiny model reads at most 64 tokens of prompt and response, and markup tokenizes into many.
        String evil = "A & B <script>pwned=1</script> <b>said</b>";
        JsonObject pair = new JsonObject();
        pair.addProperty("prompt", evil);
        pair.addProperty("chosen", " good & <script>pwned=2</script>");
        pair.addProperty("rejected", " bad <img src=x onerror=pwned=3>");
        Path data = run.resolve("pairs.jsonl");
        Files.writeString(data, pair + "\n", StandardCharsets.UTF_8);
        JsonObject sample = new JsonObject();
        sample.addProperty("prompt", evil);
        sample.addProperty("before", " <i>dull</i> & long");
        sample.addProperty("reward_before", -0.5);
        sample.addProperty("after", " fine</td></tr></table><script>pwned=4</script>");
        sample.addProperty("reward_after", 0.5);
        Files.writeString(run.resolve("samples.jsonl"), sample + "\n", StandardCharsets.UTF_8);
        RunInfo.train(demo.resolve("policy"), TINY, data, null, 0.1, "sigmoid").save(run);

        Cli report = Cli.run("report", run.toString(), "--threads", "1");
        assertEquals(0, report.exitCode, report.toString());
        browser.open(run.resolve(HtmlReport.FILE));
        assertEquals(List.of(), browser.consoleProblems());
        assertEquals(1L, browser.js("return document.scripts.length;"), "only the page's own script");
        assertEquals(0L, browser.js("return document.querySelectorAll('img, i').length"
                + " + [...document.querySelectorAll('b')].filter(e => e.textContent === 'said').length;"), "markup from the data became elements");
        assertEquals(null, browser.js("return window.pwned === undefined ? null : window.pwned;"), "script from the data ran");
        assertTrue(browser.driver.findElement(By.cssSelector("#pair-0 .prompt")).getText().contains(evil), "the prompt shows as typed");
        String table = browser.driver.findElement(By.cssSelector("#samples table")).getText();
        assertTrue(table.contains("A & B <script>") && table.contains("</table><script>"), table);
    }

    private static double sum(WebElement pair, String css, String attribute) {
        double s = 0;
        for (WebElement e : pair.findElements(By.cssSelector(css))) s += Double.parseDouble(e.getAttribute(attribute));
        return s;
    }

    /** A data attribute's number as the readout shows it: 4 decimals, a true minus sign. */
    private static String people(String exact) {
        return String.format(Locale.ROOT, "%.4f", Double.parseDouble(exact)).replace('-', '\u2212');
    }

    /** Not one colour, and not nearly so: text, charts and colours make many distinct pixels. */
    private static void assertNotBlank(BufferedImage img, String what) {
        Set<Integer> colours = new HashSet<>();
        int background = img.getRGB(0, 0), differ = 0, total = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int c = img.getRGB(x, y);
                colours.add(c);
                if (c != background) differ++;
                total++;
            }
        }
        assertTrue(colours.size() > 50, what + ": only " + colours.size() + " colours");
        assertTrue(differ > total / 50, what + ": " + differ + " of " + total + " pixels differ from the background");
    }
}
