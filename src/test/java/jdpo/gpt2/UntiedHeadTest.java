package jdpo.gpt2;

import jdpo.TestFiles;
import jdpo.cli.Cli;
import jdpo.io.BadInputException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jdpo's GPT-2 uses {@code wte} as its output head. A model that transformers saved with
 * {@code "tie_word_embeddings": false} and a head of its own would give other log-probs in jdpo
 * (the fixture records -6.52 with its head, -5.56 with wte), so it is refused with one line; an
 * untied head equal to {@code wte} computes the same and is accepted. Both fixtures come from
 * transformers' own {@code save_pretrained} (scripts/reference/make_untied_head_fixture.py).
 */
class UntiedHeadTest {
    private static final Path DIFFERENT = TestFiles.resource("fixtures/untied/untied-different");
    private static final Path EQUAL = TestFiles.resource("fixtures/untied/untied-equal");

    @Test
    void anUntiedHeadThatDiffersFromWteIsRefused() {
        BadInputException e = assertThrows(BadInputException.class, () -> Gpt2Checkpoint.load(DIFFERENT));
        assertTrue(e.getMessage().contains("lm_head.weight differs from wte.weight and config.json sets \"tie_word_embeddings\": false"),
                e.getMessage());
        Cli r = Cli.run("logprobs", "--model", DIFFERENT.toString(), "--prompt", "a", "--response", "b", "--threads", "1");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("", r.out, r.toString());
        assertEquals(List.of("error: " + e.getMessage()), r.err.lines().toList(), r.toString());
    }

    @Test
    void anUntiedHeadEqualToWteIsAccepted() {
        Gpt2Checkpoint.Loaded loaded = Gpt2Checkpoint.load(EQUAL);
        assertEquals(List.of(), loaded.warnings);
        assertEquals(257, loaded.params.config.vocabSize);
    }
}
