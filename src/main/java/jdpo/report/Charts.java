package jdpo.report;

import jdpo.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PNG line and scatter charts (XChart), written atomically. */
public final class Charts {
    private Charts() {}

    /** One named series of (x, y) points. */
    public static final class Series {
        final String name;
        final double[] x, y;
        final boolean pointsOnly;
        /** Null: XChart's next colour. */
        final java.awt.Color color;

        public Series(String name, double[] x, double[] y, boolean pointsOnly) {
            this(name, x, y, pointsOnly, null);
        }

        private Series(String name, double[] x, double[] y, boolean pointsOnly, java.awt.Color color) {
            if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " x values, " + y.length + " y values");
            this.name = name;
            this.x = x;
            this.y = y;
            this.pointsOnly = pointsOnly;
            this.color = color;
        }

        /** The same series drawn in {@code color}. */
        public Series colored(java.awt.Color color) {
            return new Series(name, x, y, pointsOnly, color);
        }

        public static Series line(String name, List<Double> x, List<Double> y) {
            return new Series(name, unbox(x), unbox(y), false);
        }

        private static double[] unbox(List<Double> v) {
            double[] a = new double[v.size()];
            for (int i = 0; i < a.length; i++) a[i] = v.get(i);
            return a;
        }
    }

    /** Writes a chart of the series to {@code png}. */
    public static void write(Path png, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        XYChart chart = xyChart(title, xLabel, yLabel);
        if (addSeries(chart, series, 0) == 0) return;
        roundXTicks(chart, series);
        chart.getStyler().setLegendVisible(chart.getSeriesMap().size() > 1);
        save(png, chart);
    }

    /** Like {@link #write}, with a second y axis on the right for series on another scale. */
    public static void twoAxes(Path png, String title, String xLabel, String leftLabel, List<Series> left,
                               String rightLabel, List<Series> right) throws IOException {
        XYChart chart = xyChart(title, xLabel, leftLabel);
        int n = addSeries(chart, left, 0) + addSeries(chart, right, 1);
        if (n == 0) return;
        List<Series> all = new ArrayList<>(left);
        all.addAll(right);
        roundXTicks(chart, all);
        chart.setYAxisGroupTitle(1, rightLabel);
        chart.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        save(png, chart);
    }

    private static XYChart xyChart(String title, String xLabel, String yLabel) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setMarkerSize(6);
        return chart;
    }

    /**
     * Sets the x range to [min(0, x min), x max + a little]. When every x value (steps 1, 2, ..., n)
     * is equally spaced, XChart puts a tick label on data values (1, 4, 7, ...) and ignores its
     * spacing hint, so labels crowd or overlap at 80 and 400 steps; an axis end that is not one of
     * the spaced values sends it to its usual round ticks (0, 10, 20, ... or 0, 50, 100, ...).
     */
    private static void roundXTicks(XYChart chart, List<Series> series) {
        double min = 0, max = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double x : s.x) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) return;
        chart.getStyler().setXAxisMin(min);
        chart.getStyler().setXAxisMax(max + Math.max(0.5, 0.005 * (max - min)));
    }

    /** Adds the non-empty series on y axis {@code group}; returns how many. */
    private static int addSeries(XYChart chart, List<Series> series, int group) {
        int added = 0;
        for (Series s : series) {
            if (s.x.length == 0) continue;
            added++;
            XYSeries xy = chart.addSeries(s.name, s.x, s.y);
            xy.setYAxisGroup(group);
            if (s.color != null) {
                xy.setMarkerColor(s.color);
                xy.setLineColor(s.color);
            }
            if (s.pointsOnly) {
                xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            } else if (s.x.length > 30) {
                xy.setMarker(SeriesMarkers.NONE);
            }
        }
        return added;
    }

    /** Writes a chart as PNG, atomically. */
    public static void save(Path png, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) throws IOException {
        // Through a stream: given a file name, XChart appends ".png" to names that lack it.
        AtomicFiles.write(png, tmp -> {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }

    /** A bar chart of named values, e.g. the mean reward before and after training. */
    public static void bars(Path png, String title, String yLabel, List<String> names, List<Double> values) throws IOException {
        org.knowm.xchart.CategoryChart chart = new org.knowm.xchart.CategoryChartBuilder().width(600).height(450)
                .title(title).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("+0.000;-0.000");
        chart.addSeries(yLabel, names, values);
        save(png, chart);
    }

    /** Collects metric values by name over steps, then draws the standard training charts. */
    public static final class TrainingCurves {
        private final Map<String, List<Double>> steps = new LinkedHashMap<>();
        private final Map<String, List<Double>> values = new LinkedHashMap<>();

        public void add(double step, Map<String, Double> metrics) {
            for (Map.Entry<String, Double> e : metrics.entrySet()) {
                steps.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(step);
                values.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
            }
        }

        private Series series(String metric, String label) {
            return Series.line(label, steps.getOrDefault(metric, List.of()), values.getOrDefault(metric, List.of()));
        }

        /** The loss where every run starts, policy = reference: -log sigmoid(0) = ln 2. */
        private Series ln2Line() {
            List<Double> x = steps.getOrDefault("loss", steps.getOrDefault("dpo_loss", List.of()));
            if (x.isEmpty()) return Series.line("ln 2", List.of(), List.of());
            double ln2 = Math.log(2);
            return Series.line("ln 2 (policy = reference)", List.of(x.get(0), x.get(x.size() - 1)), List.of(ln2, ln2));
        }

        /** loss.png, reward_margins.png, accuracies.png (and their eval_ curves when present). */
        public void write(Path dir) throws IOException {
            // With an RPO term, "loss" includes it; the chart shows the DPO part, the one that starts at ln 2.
            boolean rpo = steps.containsKey("dpo_loss");
            Charts.write(dir.resolve("loss.png"), rpo ? "DPO loss (without the RPO term)" : "DPO loss", "step", "loss",
                    List.of(series(rpo ? "dpo_loss" : "loss", "train"), series(rpo ? "eval_dpo_loss" : "eval_loss", "eval"),
                            ln2Line()));
            Charts.write(dir.resolve("reward_margins.png"), "Reward margin  beta*(log-ratio chosen - log-ratio rejected)",
                    "step", "margin", List.of(series("rewards/margins", "train"), series("eval_rewards/margins", "eval")));
            Charts.write(dir.resolve("accuracies.png"), "Reward accuracy (chosen reward > rejected reward)", "step",
                    "accuracy", List.of(series("rewards/accuracies", "train"), series("eval_rewards/accuracies", "eval")));
        }
    }
}
