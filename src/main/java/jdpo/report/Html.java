package jdpo.report;

import java.util.Locale;

/**
 * Text made safe for an HTML page. Everything that comes from data (prompts, responses, paths,
 * file contents) goes through {@link #text} before it reaches the page: prompts are user text,
 * and a prompt holding {@code <script>} must show as those characters, not run.
 */
final class Html {
    private Html() {}

    /** Escapes the five characters that can end a text node or a quoted attribute value. */
    static String text(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }

    /** A number for people: {@code digits} decimals, a minus sign that is one. */
    static String num(double v, int digits) {
        if (Double.isNaN(v)) return "n/a";
        return String.format(Locale.ROOT, "%." + digits + "f", v).replace('-', '\u2212');
    }

    /** A signed number for people: {@code +0.12}, {@code −0.12}. */
    static String signed(double v, int digits) {
        if (Double.isNaN(v)) return "n/a";
        return (v >= 0 ? "+" : "") + num(v, digits);
    }

    /** A number for machines (data attributes): the shortest text that reads back as the same double. */
    static String exact(double v) {
        return Double.toString(v);
    }
}
