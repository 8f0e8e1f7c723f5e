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

        public Series(String name, double[] x, double[] y, boolean pointsOnly) {
            if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " x values, " + y.length + " y values");
            this.name = name;
            this.x = x;
            this.y = y;
            this.pointsOnly = pointsOnly;
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
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendVisible(series.stream().filter(s -> s.x.length > 0).count() > 1);
        chart.getStyler().setMarkerSize(6);
        boolean any = false;
        for (Series s : series) {
            if (s.x.length == 0) continue;
            any = true;
            XYSeries xy = chart.addSeries(s.name, s.x, s.y);
            if (s.pointsOnly) {
                xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            } else if (s.x.length > 30) {
                xy.setMarker(SeriesMarkers.NONE);
            }
        }
        if (!any) return;
        save(png, chart);
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

        /** loss.png, reward_margins.png, accuracies.png (and their eval_ curves when present). */
        public void write(Path dir) throws IOException {
            Charts.write(dir.resolve("loss.png"), "DPO loss", "step", "loss",
                    List.of(series("loss", "train"), series("eval_loss", "eval")));
            Charts.write(dir.resolve("reward_margins.png"), "Reward margin  beta*(log-ratio chosen - log-ratio rejected)",
                    "step", "margin", List.of(series("rewards/margins", "train"), series("eval_rewards/margins", "eval")));
            Charts.write(dir.resolve("accuracies.png"), "Reward accuracy (chosen reward > rejected reward)", "step",
                    "accuracy", List.of(series("rewards/accuracies", "train"), series("eval_rewards/accuracies", "eval")));
        }
    }
}
