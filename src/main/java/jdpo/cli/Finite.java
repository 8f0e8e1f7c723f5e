package jdpo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import jdpo.dpo.NonFiniteException;

/**
 * Results must be numbers. A NaN or an infinity in a result is never printed as if it were one
 * (and JSON has no NaN: a bare {@code NaN} breaks every reader); the command stops with one line
 * naming the first non-finite value, and exits non-zero.
 */
final class Finite {
    private Finite() {}

    /** {@code value}, or a {@link NonFiniteException} naming {@code what} when it is NaN or infinite. */
    static double check(double value, String what) {
        if (!Double.isFinite(value)) {
            throw new NonFiniteException(what + " is " + value + " (not a finite number); the model's weights or the input "
                    + "overflow float32");
        }
        return value;
    }

    /** {@code o} when every number in it is finite; otherwise names the first field that is not, in {@code where}. */
    static JsonObject json(JsonObject o, String where) {
        for (var e : o.entrySet()) {
            JsonElement v = e.getValue();
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) check(v.getAsDouble(), where + ": " + e.getKey());
        }
        return o;
    }
}
