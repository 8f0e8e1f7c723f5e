package jdpo.cli;

import java.util.Collection;

/** The valid flag closest to a mistyped one, by edit distance (insertions, deletions, substitutions). */
final class FlagSuggestions {
    private FlagSuggestions() {}

    /** The closest of {@code valid} to {@code typed}, or null when none is within a third of its length. */
    static String closest(String typed, Collection<String> valid) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String v : valid) {
            if (!v.startsWith("--")) continue;
            int d = distance(typed, v);
            if (d < bestDistance) {
                best = v;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, typed.length() / 3) ? best : null;
    }

    /** Levenshtein distance, one row at a time. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                row[j] = Math.min(substitute, Math.min(prev[j], row[j - 1]) + 1);
            }
            int[] t = prev;
            prev = row;
            row = t;
        }
        return prev[b.length()];
    }
}
