package jdpo.cli;

/** Shows token text in tables: quoted, with whitespace and control characters made visible. */
final class Text {
    private Text() {}

    static String quote(String s, int maxLength) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\n': b.append("\\n"); break;
                case '\t': b.append("\\t"); break;
                case '\r': b.append("\\r"); break;
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                default:
                    if (Character.isISOControl(cp)) b.append(String.format("\\u%04x", cp));
                    else b.appendCodePoint(cp);
            }
        });
        String q = b.toString();
        if (q.codePointCount(0, q.length()) > maxLength) {
            q = q.substring(0, q.offsetByCodePoints(0, maxLength - 1)) + "…";
        }
        return q + "\"";
    }
}
