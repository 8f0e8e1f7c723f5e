package jdpo.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/** {@code jdpo tokenize}: text to BPE tokens and ids. */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Splits TEXT into GPT-2 byte-level BPE tokens and prints each token with its id.",
            "",
            "Byte-pair encoding (BPE) writes text as UTF-8 bytes, then repeatedly joins the adjacent "
                + "pair of tokens that the vocabulary learned to merge first, so common words become one "
                + "token and rare ones fall apart into pieces (down to single bytes).",
            "",
            "Token text is shown in double quotes with escapes (\\n, \\t, \\u0000); a token that "
                + "holds only part of a multi-byte character shows its bytes as \\xNN.",
            "",
            "Example: jdpo tokenize --model weights/gpt2 \"Hello world\""},
        sortOptions = false)
public final class TokenizeCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Directory with the tokenizer files vocab.json and merges.txt "
                    + "(a Hugging Face model directory will do), e.g. weights/gpt2.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object {\"ids\": [...], \"tokens\": [...]} "
            + "where tokens are the decoded texts of the tokens.")
    boolean json;

    @Option(names = "--allow-special", description = "Encode each " + Tokenizer.END_OF_TEXT
            + " in TEXT as the special end-of-text token (id 50256 in GPT-2). "
            + "Without it the marker is ordinary text.")
    boolean allowSpecial;

    @Parameters(index = "0", paramLabel = "TEXT", description = "The text to tokenize (quote it; put -- before a TEXT that starts with a dash).")
    String text;

    @Override
    public void run() {
        Tokenizer tokenizer = Tokenizer.load(model);
        int[] ids = allowSpecial ? tokenizer.encodeWithSpecial(text) : tokenizer.encode(text);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            JsonObject result = new JsonObject();
            JsonArray idArray = new JsonArray(), tokenArray = new JsonArray();
            for (int id : ids) {
                idArray.add(id);
                tokenArray.add(tokenizer.tokenText(id));
            }
            result.add("ids", idArray);
            result.add("tokens", tokenArray);
            out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(result));
        } else {
            out.printf("%5s  %6s  %s%n", "index", "id", "token");
            for (int i = 0; i < ids.length; i++) {
                out.printf("%5d  %6d  %s%n", i, ids[i], visible(tokenizer.tokenBytes(ids[i])));
            }
            out.println("ids: " + Arrays.toString(ids));
            out.printf("%d tokens, %d characters%n", ids.length, text.codePointCount(0, text.length()));
        }
        out.flush();
    }

    /** A token's text in quotes with invisible characters escaped, or its bytes if not UTF-8. */
    static String visible(byte[] bytes) {
        StringBuilder s = new StringBuilder("\"");
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            text.codePoints().forEach(c -> {
                switch (c) {
                    case '\n': s.append("\\n"); break;
                    case '\t': s.append("\\t"); break;
                    case '\r': s.append("\\r"); break;
                    case '"': s.append("\\\""); break;
                    case '\\': s.append("\\\\"); break;
                    default:
                        if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                                || Character.getType(c) == Character.LINE_SEPARATOR
                                || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                            s.append(String.format("\\u%04x", c));
                        } else {
                            s.appendCodePoint(c);
                        }
                }
            });
        } catch (CharacterCodingException partialCharacter) {
            for (byte b : bytes) {
                int u = b & 0xFF;
                if (u >= 0x20 && u < 0x7F && u != '"' && u != '\\') s.append((char) u);
                else s.append(String.format("\\x%02x", u));
            }
        }
        return s.append('"').toString();
    }
}
