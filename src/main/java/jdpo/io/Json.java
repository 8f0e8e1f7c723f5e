package jdpo.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * Strict JSON parsing and typed field access whose errors name the file and the field.
 *
 * <p>Parsing follows RFC 8259 (no NaN, no comments, no trailing text) and, unlike Gson's own
 * tree reader, rejects an object that names the same key twice instead of keeping one value
 * silently. Numbers keep their exact decimal value, so a getter can tell {@code 3} from
 * {@code 3.5}. Every problem is a {@link BadInputException} whose message starts with
 * {@code where}: a file, or {@code file:line} for JSON Lines.
 */
public final class Json {
    private static final int MAX_NUMBER_CHARS = 100;

    private Json() {}

    /** Reads {@code file} (UTF-8) and requires its content to be one JSON object. */
    public static JsonObject readObject(Path file) {
        String text = TextFiles.readUtf8(file);
        JsonElement e = parse(text, file.toString());
        if (!e.isJsonObject()) {
            throw new BadInputException(file + ": expected a JSON object, found " + describe(e));
        }
        return e.getAsJsonObject();
    }

    /** Parses one JSON value that must fill {@code text} (whitespace aside). */
    public static JsonElement parse(String text, String where) {
        JsonReader in = new JsonReader(new StringReader(text));
        in.setStrictness(Strictness.STRICT);
        JsonElement e;
        try {
            e = read(in, where);
        } catch (IOException | IllegalStateException | NumberFormatException ex) {
            // Gson reports malformed text as MalformedJsonException (an IOException) and a few
            // edge cases as IllegalStateException; both mean the text is not JSON.
            throw new BadInputException(where + ": malformed JSON: " + gsonMessage(ex), ex);
        }
        if (!atEnd(in)) throw new BadInputException(where + ": unexpected text after the JSON value");
        return e;
    }

    /** True when only whitespace follows the value just read. */
    static boolean atEnd(JsonReader in) {
        try {
            return in.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException | IllegalStateException e) {
            return false; // a strict reader refuses a second value with a syntax error
        }
    }

    private static JsonElement read(JsonReader in, String where) throws IOException {
        switch (in.peek()) {
            case BEGIN_OBJECT: {
                JsonObject o = new JsonObject();
                in.beginObject();
                while (in.hasNext()) {
                    String name = in.nextName();
                    if (o.has(name)) {
                        throw new BadInputException(where + ": key " + quote(name) + " appears twice in the same object");
                    }
                    o.add(name, read(in, where));
                }
                in.endObject();
                return o;
            }
            case BEGIN_ARRAY: {
                JsonArray a = new JsonArray();
                in.beginArray();
                while (in.hasNext()) a.add(read(in, where));
                in.endArray();
                return a;
            }
            case STRING:
                return new JsonPrimitive(in.nextString());
            case NUMBER: {
                // A JSON number literal is always a valid BigDecimal, which keeps the exact value.
                // Huge literals are refused: parsing a million digits takes quadratic time.
                String literal = in.nextString();
                if (literal.length() > MAX_NUMBER_CHARS) {
                    throw new BadInputException(where + ": number with more than " + MAX_NUMBER_CHARS
                            + " characters at " + in.getPreviousPath());
                }
                return new JsonPrimitive(new BigDecimal(literal));
            }
            case BOOLEAN:
                return new JsonPrimitive(in.nextBoolean());
            case NULL:
                in.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new BadInputException(where + ": malformed JSON at " + in.getPath());
        }
    }

    /** The integer {@code o.field}, which must exist and fit an int. */
    public static int requireInt(JsonObject o, String field, Path file) {
        return requireInt(o, field, file.toString());
    }

    /** The integer {@code o.field}; errors start with {@code where}. */
    public static int requireInt(JsonObject o, String field, String where) {
        long v = requireLong(o, field, where);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new BadInputException(where + ": field " + quote(field) + " = " + v + " is out of range for an int");
        }
        return (int) v;
    }

    /** The integer {@code o.field}, which must exist and fit a long. */
    public static long requireLong(JsonObject o, String field, Path file) {
        return requireLong(o, field, file.toString());
    }

    /** The integer {@code o.field}; errors start with {@code where}. */
    public static long requireLong(JsonObject o, String field, String where) {
        BigDecimal d = number(require(o, field, where), field, "an integer", where);
        try {
            return d.longValueExact();
        } catch (ArithmeticException e) {
            throw new BadInputException(where + ": field " + quote(field) + " must be an integer, got " + d.toString());
        }
    }

    /** The finite number {@code o.field}. */
    public static double requireDouble(JsonObject o, String field, Path file) {
        return requireDouble(o, field, file.toString());
    }

    /** The finite number {@code o.field}; errors start with {@code where}. */
    public static double requireDouble(JsonObject o, String field, String where) {
        BigDecimal d = number(require(o, field, where), field, "a number", where);
        double v = d.doubleValue();
        if (!Double.isFinite(v)) {
            throw new BadInputException(where + ": field " + quote(field) + " = " + d + " is too large for a double");
        }
        return v;
    }

    /** The string {@code o.field}. */
    public static String requireString(JsonObject o, String field, Path file) {
        return requireString(o, field, file.toString());
    }

    /** The string {@code o.field}; errors start with {@code where}. */
    public static String requireString(JsonObject o, String field, String where) {
        JsonElement e = require(o, field, where);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrongType(field, "a string", e, where);
        }
        return e.getAsString();
    }

    /** The boolean {@code o.field}; errors start with {@code where}. */
    public static boolean requireBoolean(JsonObject o, String field, String where) {
        JsonElement e = require(o, field, where);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrongType(field, "true or false", e, where);
        }
        return e.getAsBoolean();
    }

    /** The object {@code o.field}; errors start with {@code where}. */
    public static JsonObject requireObject(JsonObject o, String field, String where) {
        JsonElement e = require(o, field, where);
        if (!e.isJsonObject()) throw wrongType(field, "an object", e, where);
        return e.getAsJsonObject();
    }

    /** The array {@code o.field}; errors start with {@code where}. */
    public static JsonArray requireArray(JsonObject o, String field, String where) {
        JsonElement e = require(o, field, where);
        if (!e.isJsonArray()) throw wrongType(field, "an array", e, where);
        return e.getAsJsonArray();
    }

    /** {@code o.field} as an int, or {@code dflt} when the field is absent or null. */
    public static int optionalInt(JsonObject o, String field, int dflt, Path file) {
        return present(o, field) ? requireInt(o, field, file) : dflt;
    }

    /** {@code o.field} as an int, or {@code dflt} when absent or null; errors start with {@code where}. */
    public static int optionalInt(JsonObject o, String field, int dflt, String where) {
        return present(o, field) ? requireInt(o, field, where) : dflt;
    }

    /** {@code o.field} as a double, or {@code dflt} when the field is absent or null. */
    public static double optionalDouble(JsonObject o, String field, double dflt, Path file) {
        return present(o, field) ? requireDouble(o, field, file) : dflt;
    }

    /** {@code o.field} as a double, or {@code dflt} when absent or null; errors start with {@code where}. */
    public static double optionalDouble(JsonObject o, String field, double dflt, String where) {
        return present(o, field) ? requireDouble(o, field, where) : dflt;
    }

    /** {@code o.field} as a string, or {@code dflt} when the field is absent or null. */
    public static String optionalString(JsonObject o, String field, String dflt, Path file) {
        return present(o, field) ? requireString(o, field, file) : dflt;
    }

    /** {@code o.field} as a string, or {@code dflt} when absent or null; errors start with {@code where}. */
    public static String optionalString(JsonObject o, String field, String dflt, String where) {
        return present(o, field) ? requireString(o, field, where) : dflt;
    }

    /** {@code o.field} as a boolean, or {@code dflt} when absent or null; errors start with {@code where}. */
    public static boolean optionalBoolean(JsonObject o, String field, boolean dflt, String where) {
        return present(o, field) ? requireBoolean(o, field, where) : dflt;
    }

    private static boolean present(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e != null && !e.isJsonNull();
    }

    private static JsonElement require(JsonObject o, String field, String where) {
        JsonElement e = o.get(field);
        if (e == null) throw new BadInputException(where + ": missing field " + quote(field) + "");
        if (e.isJsonNull()) throw new BadInputException(where + ": field " + quote(field) + " is null");
        return e;
    }

    private static BigDecimal number(JsonElement e, String field, String expected, String where) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw wrongType(field, expected, e, where);
        Number n = e.getAsNumber();
        return n instanceof BigDecimal ? (BigDecimal) n : new BigDecimal(n.toString());
    }

    private static BadInputException wrongType(String field, String expected, JsonElement e, String where) {
        return new BadInputException(where + ": field " + quote(field) + " must be " + expected + ", found " + describe(e));
    }

    /** A short description of a JSON value for error messages: its type and, if short, its text. */
    static String describe(JsonElement e) {
        if (e.isJsonNull()) return "null";
        if (e.isJsonObject()) return "an object";
        if (e.isJsonArray()) return "an array";
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isString()) return "string " + quote(p.getAsString());
        return (p.isNumber() ? "number " : "boolean ") + shorten(p.getAsString());
    }

    /** {@code s} on one line and at most 80 characters, for messages. */
    static String shorten(String s) {
        String one = oneLine(s);
        return one.length() <= 80 ? one : one.substring(0, 77) + "...";
    }

    /**
     * {@code s} in double quotes for a one-line message: quotes, backslashes and control
     * characters escaped as in JSON, cut to about 80 characters.
     */
    public static String quote(String s) {
        String cut = s.length() <= 80 ? s : s.substring(0, 77) + "...";
        StringBuilder b = new StringBuilder(cut.length() + 2).append('"');
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** Gson's message for a reader, without its advice to Gson's own users, on one line. */
    static String gsonMessage(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int see = m.indexOf("\nSee ");
        if (see >= 0) m = m.substring(0, see);
        m = m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "syntax error");
        return oneLine(m);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n]+", " ");
    }
}
