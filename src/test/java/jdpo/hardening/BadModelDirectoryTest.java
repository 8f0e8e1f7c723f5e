package jdpo.hardening;

import jdpo.cli.Cli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

/**
 * A model directory with a broken {@code config.json}, {@code vocab.json} or {@code merges.txt},
 * or a path that is no model directory at all, ends every command that loads a model with one
 * line naming the file (and line) and what is wrong.
 */
class BadModelDirectoryTest {
    @TempDir
    Path tmp;
    Workspace ws;

    @BeforeEach
    void setUp() {
        ws = new Workspace(tmp);
    }

    private void refused(String... fragments) {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(), fragments);
    }

    private void editConfig(String from, String to) throws IOException {
        String text = Files.readString(ws.config());
        if (!text.contains(from)) throw new IllegalStateException("config.json has no " + from);
        Files.writeString(ws.config(), text.replace(from, to));
    }

    private Path file(String name) {
        return ws.model.resolve(name);
    }

    @Test
    void configMissing() throws IOException {
        Files.delete(ws.config());
        refused(ws.config() + ": missing; " + ws.model + " is not a Hugging Face GPT-2 directory");
    }

    @Test
    void configMissingAField() throws IOException {
        editConfig("\"n_layer\": 2,", "");
        refused(ws.config() + ": missing field \"n_layer\"");
    }

    @Test
    void configFieldOfTheWrongType() throws IOException {
        editConfig("\"n_head\": 2,", "\"n_head\": \"2\",");
        refused(ws.config() + ": field \"n_head\" must be an integer, found string \"2\"");
    }

    @Test
    void configFieldNotAnInteger() throws IOException {
        editConfig("\"n_embd\": 24,", "\"n_embd\": 24.5,");
        refused(ws.config() + ": field \"n_embd\" must be an integer, got 24.5");
    }

    @Test
    void configFieldOutOfRange() throws IOException {
        editConfig("\"n_head\": 2,", "\"n_head\": 5,");
        refused(ws.config() + ": n_embd (24) must be a positive multiple of n_head (5)");
    }

    @Test
    void configNotJson() throws IOException {
        Files.writeString(ws.config(), "{\"n_layer\": 2,,}");
        refused(ws.config() + ": malformed JSON");
    }

    @Test
    void configNotAnObject() throws IOException {
        Files.writeString(ws.config(), "[1, 2]");
        refused(ws.config() + ": expected a JSON object, found an array");
    }

    @Test
    void vocabMissing() throws IOException {
        Files.delete(file("vocab.json"));
        refused(file("vocab.json") + ": no such file (a tokenizer needs vocab.json and merges.txt, or tokenizer.json)");
    }

    @Test
    void mergesMissing() throws IOException {
        Files.delete(file("merges.txt"));
        refused(file("merges.txt") + ": no such file (a tokenizer needs vocab.json and merges.txt, or tokenizer.json)");
    }

    @Test
    void vocabNotJson() throws IOException {
        Files.writeString(file("vocab.json"), "{\"a\": 0, ");
        refused(file("vocab.json") + ": not a JSON object of token ids");
    }

    @Test
    void vocabWithAGapInTheIds() throws IOException {
        String vocab = Files.readString(file("vocab.json"));
        Files.writeString(file("vocab.json"), vocab.replace("\"<|endoftext|>\": 256", "\"<|endoftext|>\": 300"));
        refused(file("vocab.json") + ": ids must be 0..256 but token \"<|endoftext|>\" has id 300");
    }

    @Test
    void vocabLargerThanTheModel() throws IOException {
        String vocab = Files.readString(file("vocab.json")).trim();
        Files.writeString(file("vocab.json"), vocab.substring(0, vocab.length() - 1) + ", \"zz\": 257}");
        refused(file("vocab.json") + ": has 258 tokens but config.json says vocab_size 257");
    }

    @Test
    void vocabWithoutEndOfText() throws IOException {
        String vocab = Files.readString(file("vocab.json"));
        Files.writeString(file("vocab.json"), vocab.replace(", \"<|endoftext|>\": 256", ""));
        refused(file("vocab.json") + ": the vocabulary has no <|endoftext|> token");
    }

    @Test
    void mergeOfTokensNotInTheVocabulary() throws IOException {
        Files.writeString(file("merges.txt"), "#version: 0.2\nz z\n");
        refused(file("merges.txt") + " line 2: token \"zz\" is not in vocab.json");
    }

    @Test
    void malformedMergeLine() throws IOException {
        Files.writeString(file("merges.txt"), "#version: 0.2\na b c\n");
        refused(file("merges.txt") + " line 2: expected two tokens separated by one space");
    }

    @Test
    void modelPathThatDoesNotExist() {
        Path missing = tmp.resolve("no-such-model");
        TreeSet<String> before = ws.listing();
        Cli r = Cli.run("train", "--model", missing.toString(), "--data", ws.pairs.toString(), "--out", ws.out.toString());
        ws.assertRefused(before, r, missing + ": no such directory");
    }

    @Test
    void modelPathThatIsAFile() {
        TreeSet<String> before = ws.listing();
        Cli r = Cli.run("train", "--model", ws.pairs.toString(), "--data", ws.pairs.toString(), "--out", ws.out.toString());
        ws.assertRefused(before, r, ws.pairs + ": not a directory");
    }

    @Test
    void directoryThatIsNoModel() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        TreeSet<String> before = ws.listing();
        Cli r = Cli.run("train", "--model", empty.toString(), "--data", ws.pairs.toString(), "--out", ws.out.toString());
        ws.assertRefused(before, r, empty.resolve("config.json") + ": missing; " + empty + " is not a Hugging Face GPT-2 directory");
    }

    @Test
    void referenceModelThatDoesNotExist() {
        Path missing = tmp.resolve("no-such-reference");
        refusedWith("--ref-model", missing.toString());
    }

    private void refusedWith(String flag, String value) {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(flag, value), value + ": no such directory");
    }

    @Test
    void referenceWithAnotherVocabulary() throws IOException {
        Path ref = ws.copyModel("reference", "reference");
        String config = Files.readString(ref.resolve("config.json")).replace("\"vocab_size\": 257", "\"vocab_size\": 300");
        Files.writeString(ref.resolve("config.json"), config);
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train("--ref-model", ref.toString()), ref.resolve("model.safetensors") + ": tensor wte.weight has shape [257, 24] but config.json implies [300, 24]");
    }

    @Test
    void otherCommandsNameTheFileToo() throws IOException {
        editConfig("\"n_layer\": 2,", "");
        String expected = ws.config() + ": missing field \"n_layer\"";
        Workspace.assertOneLineError(Cli.run("score", "--model", ws.model.toString(), "--data", ws.pairs.toString()), expected);
        Workspace.assertOneLineError(Cli.run("generate", "--model", ws.model.toString(), "--prompt", "hi"), expected);
        Workspace.assertOneLineError(Cli.run("logprobs", "--model", ws.model.toString(), "--prompt", "hi", "--response", " yo"), expected);
    }
}
