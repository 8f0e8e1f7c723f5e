package jdpo.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line or scatter chart as inline SVG, so that the report is one file that needs no
 * network and prints sharply. Data space {@code [xMin, xMax] x [yMin, yMax]} maps linearly onto
 * the plot area; the axes get "nice" ticks (1, 2 or 5 times a power of ten).
 *
 * <p>Colours come from CSS classes ({@code s0}..{@code s3}, {@code mark}, {@code base}) that the
 * page's style sheet defines, so the chart follows the page on screen and on paper.
 */
final class SvgChart {
    private static final int W = 560, H = 330, LEFT = 64, RIGHT = 18, TOP = 34, BOTTOM = 50;

    private record Series(String name, double[] x, double[] y, boolean points) {}

    private record Mark(double y, String label) {}

    private record Point(double x, double y, String label, String css) {}

    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Mark> marks = new ArrayList<>();
    private final List<Point> points = new ArrayList<>();

    SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** A line through the points in order (drawn as dots when there are few). */
    SvgChart line(String name, double[] x, double[] y) {
        if (x.length > 0) series.add(new Series(name, x, y, x.length <= 3));
        return this;
    }

    /** A horizontal dashed line at {@code y}, labelled, e.g. ln 2 on a loss chart. */
    SvgChart mark(double y, String label) {
        marks.add(new Mark(y, label));
        return this;
    }

    /** One labelled point; {@code css} picks its look ({@code s0}.. or {@code base}). */
    SvgChart point(double x, double y, String label, String css) {
        points.add(new Point(x, y, label, css));
        return this;
    }

    boolean isEmpty() {
        return series.isEmpty() && points.isEmpty();
    }

    /** The chart as an {@code <svg>} element that scales with its container. */
    String svg() {
        double[] range = dataRange();
        double[] xt = ticks(range[0], range[1]), yt = ticks(range[2], range[3]);
        Scale sx = new Scale(xt[0], xt[xt.length - 1], LEFT, W - RIGHT);
        Scale sy = new Scale(yt[0], yt[yt.length - 1], H - BOTTOM, TOP);

        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", W, H, Html.text(title)));
        b.append("<title>").append(Html.text(title)).append("</title>");
        b.append(String.format(Locale.ROOT, "<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
                LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM));
        axes(b, sx, sy, xt, yt);
        marks(b, sy);
        lines(b, sx, sy);
        points(b, sx, sy);
        legend(b);
        return b.append("</svg>").toString();
    }

    /** {xMin, xMax, yMin, yMax} over the finite data, the points and the marks ([0, 1] when there is none). */
    private double[] dataRange() {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
                xMin = Math.min(xMin, s.x[i]); xMax = Math.max(xMax, s.x[i]);
                yMin = Math.min(yMin, s.y[i]); yMax = Math.max(yMax, s.y[i]);
            }
        }
        for (Point p : points) {
            xMin = Math.min(xMin, p.x); xMax = Math.max(xMax, p.x);
            yMin = Math.min(yMin, p.y); yMax = Math.max(yMax, p.y);
        }
        for (Mark m : marks) {
            yMin = Math.min(yMin, m.y); yMax = Math.max(yMax, m.y);
        }
        if (!(xMin <= xMax)) { xMin = 0; xMax = 1; }
        if (!(yMin <= yMax)) { yMin = 0; yMax = 1; }
        return new double[] {xMin, xMax, yMin, yMax};
    }

    /** Grid lines, tick labels and the axis titles. */
    private void axes(StringBuilder b, Scale sx, Scale sy, double[] xt, double[] yt) {
        for (double t : yt) {
            double y = sy.at(t);
            b.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", LEFT, W - RIGHT, y, y));
            b.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", LEFT - 6, y + 4, tickText(t, yt)));
        }
        for (double t : xt) {
            double x = sx.at(t);
            b.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>", x, x, TOP, H - BOTTOM));
            b.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, H - BOTTOM + 18, tickText(t, xt)));
        }
        b.append(String.format(Locale.ROOT, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                (LEFT + W - RIGHT) / 2, H - 10, Html.text(xLabel)));
        b.append(String.format(Locale.ROOT, "<text class=\"axis\" transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>",
                (TOP + H - BOTTOM) / 2, Html.text(yLabel)));
    }

    /** The dashed horizontal marks (ln 2, zero, ...), each with its label. */
    private void marks(StringBuilder b, Scale sy) {
        for (Mark m : marks) {
            double y = sy.at(m.y);
            b.append(String.format(Locale.ROOT, "<line class=\"mark\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", LEFT, W - RIGHT, y, y));
            b.append(String.format(Locale.ROOT, "<text class=\"marklabel\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                    W - RIGHT - 4, y - 5, Html.text(m.label)));
        }
    }

    /** Each series as a polyline, or as dots when it is a series of points. */
    private void lines(StringBuilder b, Scale sx, Scale sy) {
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String css = "s" + (i % 4);
            if (s.points) {
                for (int j = 0; j < s.x.length; j++) {
                    b.append(String.format(Locale.ROOT, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>", css, sx.at(s.x[j]), sy.at(s.y[j])));
                }
            } else {
                b.append("<polyline class=\"").append(css).append("\" points=\"");
                for (int j = 0; j < s.x.length; j++) {
                    if (!Double.isFinite(s.y[j])) continue;
                    b.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.at(s.x[j]), sy.at(s.y[j])));
                }
                b.append("\"/>");
            }
        }
    }

    /** The labelled points (a beta sweep's betas, the base model). */
    private void points(StringBuilder b, Scale sx, Scale sy) {
        for (Point p : points) {
            double x = sx.at(p.x), y = sy.at(p.y);
            b.append(String.format(Locale.ROOT, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\"/>", p.css, x, y));
            boolean right = x < (LEFT + W - RIGHT) / 2.0;
            b.append(String.format(Locale.ROOT, "<text class=\"plabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>",
                    right ? x + 9 : x - 9, y - 8, right ? "start" : "end", Html.text(p.label)));
        }
    }

    private void legend(StringBuilder b) {
        if (series.size() > 1) {
            // The legend sits above the plot, one entry per series, in the series' colours.
            double at = LEFT;
            for (int i = 0; i < series.size(); i++) {
                b.append(String.format(Locale.ROOT, "<rect class=\"s%d key\" x=\"%.1f\" y=\"12\" width=\"14\" height=\"4\"/>", i % 4, at, 0.0));
                b.append(String.format(Locale.ROOT, "<text class=\"legend\" x=\"%.1f\" y=\"19\">%s</text>", at + 19, Html.text(series.get(i).name)));
                at += 30 + 7.5 * series.get(i).name.length();
            }
        }
    }

    /** Linear map from data to pixels. */
    private record Scale(double lo, double hi, double from, double to) {
        double at(double v) {
            return hi == lo ? (from + to) / 2 : from + (v - lo) / (hi - lo) * (to - from);
        }
    }

    /** About five ticks covering {@code [lo, hi]}, at multiples of a 1-2-5 step. */
    static double[] ticks(double lo, double hi) {
        if (hi - lo < 1e-12) {
            double pad = Math.max(Math.abs(lo) * 0.1, 0.5);
            lo -= pad;
            hi += pad;
        }
        double raw = (hi - lo) / 5, pow = Math.pow(10, Math.floor(Math.log10(raw))), step;
        double f = raw / pow;
        step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * pow;
        double first = Math.floor(lo / step) * step, last = Math.ceil(hi / step) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = first + i * step;
        return t;
    }

    private static String tickText(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int digits = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (Math.abs(v) < step * 1e-9) v = 0;
        return Html.num(v, digits);
    }
}
