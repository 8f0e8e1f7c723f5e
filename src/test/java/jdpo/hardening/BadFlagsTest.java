package jdpo.hardening;

import jdpo.cli.Cli;
import jdpo.dpo.LossType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flag out of range is refused before any file is read or written, with one line naming the
 * flag, the value and (for names) the valid choices. picocli's own usage errors (unknown
 * option, missing or unparsable value) exit 2 with its message and no stack trace.
 */
class BadFlagsTest {
    @TempDir
    Path tmp;
    Workspace ws;

    @BeforeEach
    void setUp() {
        ws = new Workspace(tmp);
    }

    @ParameterizedTest(name = "train {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--beta            | 0       | --beta must be > 0, got 0.0",
        "--beta            | -0.5    | --beta must be > 0, got -0.5",
        "--beta            | NaN     | --beta must be > 0, got NaN",
        "--lr              | -1e-5   | --lr must be >= 0, got -1.0E-5",
        "--lr              | Infinity| --lr must be >= 0, got Infinity",
        "--batch-size      | 0       | --batch-size must be at least 1, got 0",
        "--grad-accum      | 0       | --grad-accum must be at least 1, got 0",
        "--max-steps       | -1      | --max-steps must be >= 0, got -1",
        "--warmup-steps    | -2      | --warmup-steps must be >= 0, got -2",
        "--max-grad-norm   | -1      | --max-grad-norm must be >= 0, got -1.0",
        "--weight-decay    | -0.1    | --weight-decay must be >= 0, got -0.1",
        "--label-smoothing | 0.5     | --label-smoothing must be in [0, 0.5), got 0.5",
        "--max-length      | 1       | --max-length must be at least 2, got 1",
        "--optimizer       | adam    | --optimizer: unknown optimizer 'adam'; valid: adamw, sgd",
        "--lr-schedule     | step    | --lr-schedule: ",
        "--kernels         | simd    | --kernels: unknown kernels 'simd'; valid: ",
        "--threads         | 0       | --threads must be at least 1, got 0",
        "--threads         | -3      | --threads must be at least 1, got -3",
        "--stop-after      | -1      | --stop-after must be >= 0, got -1",
        "--save-every      | -1      | --save-every and --eval-every must be >= 0",
    })
    void trainRefusesOutOfRangeFlags(String flag, String value, String expected) {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(flag, value), "error: " + expected);
    }

    @Test
    void unknownLossListsTheValidNames() {
        TreeSet<String> before = ws.listing();
        String line = ws.assertRefused(before, ws.train("--loss", "dpo"), "error: --loss: unknown loss 'dpo'; valid: ");
        assertTrue(line.endsWith(LossType.validNames()), line);
        assertTrue(line.contains("sigmoid, cdpo, robust, hinge, ipo"), line);
    }

    @Test
    void unknownScheduleListsTheValidNames() {
        String line = Workspace.assertOneLineError(ws.train("--lr-schedule", "step"));
        assertTrue(line.contains("constant") && line.contains("linear") && line.contains("cosine"), line);
    }

    @Test
    void unknownKernelsListTheValidNames() {
        String line = Workspace.assertOneLineError(ws.train("--kernels", "simd"));
        assertTrue(line.contains("scalar") && line.contains("vector"), line);
    }

    @ParameterizedTest(name = "score {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--beta       | 0    | --beta must be > 0, got 0.0",
        "--batch-size | 0    | --batch-size must be at least 1, got 0",
        "--loss       | kto  | --loss: unknown loss 'kto'; valid: sigmoid",
        "--threads    | 0    | --threads must be at least 1, got 0",
        "--kernels    | gpu  | --kernels: unknown kernels 'gpu'; valid: ",
    })
    void scoreRefusesOutOfRangeFlags(String flag, String value, String expected) {
        Workspace.assertOneLineError(Cli.run("score", "--model", ws.model.toString(), "--data", ws.pairs.toString(), flag, value),
                "error: " + expected);
    }

    @ParameterizedTest(name = "generate {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--temperature    | -1   | --temperature must be >= 0, got -1.0",
        "--top-p          | 0    | --top-p must be in (0, 1], got 0.0",
        "--top-k          | -1   | --top-k must be >= 0, got -1",
        "--max-new-tokens | 0    | --max-new-tokens must be at least 1, got 0",
        "--threads        | 0    | --threads must be at least 1, got 0",
        "--kernels        | gpu  | --kernels: unknown kernels 'gpu'; valid: ",
    })
    void generateRefusesOutOfRangeFlags(String flag, String value, String expected) {
        Workspace.assertOneLineError(Cli.run("generate", "--model", ws.model.toString(), "--prompt", "Q:", flag, value),
                "error: " + expected);
    }

    @Test
    void verboseAddsTheStackTrace() {
        Cli r = ws.train("--beta", "0", "--verbose");
        assertEquals(1, r.exitCode, r.toString());
        assertTrue(r.err.contains("jdpo.io.BadInputException: --beta must be > 0") && r.err.contains("\tat jdpo."), r.toString());
        assertTrue(r.err.lines().anyMatch(l -> l.equals("error: --beta must be > 0, got 0.0")), r.toString());
    }

    /** picocli's usage errors: its message first, then the usage; exit 2, no stack trace, nothing written. */
    private void usageError(Cli r, String firstLine) {
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("", r.out, r.toString());
        assertTrue(r.err.lines().findFirst().orElse("").contains(firstLine), r.toString());
        assertFalse(r.err.contains("Exception") || r.err.contains("\tat "), r.toString());
    }

    /** A flag mistake is one line: the error, the closest valid flag and where the help is; not the whole help. */
    private void oneLineUsageError(Cli r, String line) {
        usageError(r, line);
        assertEquals(List.of("error: " + line), r.err.lines().toList(), r.toString());
    }

    @Test
    void unknownOption() {
        TreeSet<String> before = ws.listing();
        oneLineUsageError(ws.train("--betta", "0.2"), "unknown flag --betta; did you mean --beta? (see jdpo train --help)");
        assertEquals(before, ws.listing());
    }

    /** A product that cannot fit the heap is refused before the first timing, not after a minute of them. */
    @Test
    void benchRefusesAnMThatCannotFitBeforeAnyWork() {
        Workspace.assertOneLineError(Cli.run("bench", "--m", "50000", "--seconds", "0.01", "--threads", "1"),
                "--m 50000: the largest product needs ", "use a smaller --m");
        Workspace.assertOneLineError(Cli.run("bench", "--threads", "2147483647"), "--threads must be at most 1024");
    }

    /** picocli notices the missing --model before the unknown --modle; the user's mistake is the typo. */
    @Test
    void mistypedRequiredFlagIsReportedAsUnknown() {
        oneLineUsageError(Cli.run("train", "--modle", ws.model.toString(), "--data", ws.pairs.toString(), "--out", ws.out.toString()),
                "unknown flag --modle; did you mean --model? (see jdpo train --help)");
        oneLineUsageError(Cli.run("score", "--model", ws.model.toString(), "--dta=" + ws.pairs),
                "unknown flag --dta; did you mean --data? (see jdpo score --help)");
    }

    @ParameterizedTest(name = "train {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--threads      | 2147483647 | --threads must be at most 1024, got 2147483647",
        "--batch-size   | 100000     | --batch-size must be at most 4096, got 100000",
        "--grad-accum   | 2147483647 | --grad-accum must be at most 10000000, got 2147483647",
        "--adam-beta1   | 1.5        | --adam-beta1 must be in [0, 1), got 1.5",
        "--adam-beta2   | -0.1       | --adam-beta2 must be in [0, 1), got -0.1",
        "--adam-eps     | NaN        | --adam-eps must be >= 0, got NaN",
    })
    void trainRefusesFlagsBeyondTheirBounds(String flag, String value, String expected) {
        TreeSet<String> before = ws.listing();
        ws.assertRefused(before, ws.train(flag, value), "error: " + expected);
    }

    @Test
    void missingRequiredOption() {
        oneLineUsageError(Cli.run("train", "--model", ws.model.toString(), "--data", ws.pairs.toString()),
                "Missing required option: '--out=DIR' (see jdpo train --help)");
    }

    @Test
    void valueThatIsNotANumber() {
        usageError(ws.train("--batch-size", "eight"), "Invalid value for option '--batch-size': 'eight' is not an int");
    }

    @Test
    void optionWithoutItsValue() {
        usageError(Cli.run("train", "--model", ws.model.toString(), "--data", ws.pairs.toString(), "--out"),
                "Missing required parameter for option '--out'");
    }

    @Test
    void unknownCommand() {
        usageError(Cli.run("trian"), "Unmatched argument at index 0: 'trian'");
    }
}
