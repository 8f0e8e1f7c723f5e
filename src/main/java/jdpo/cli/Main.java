package jdpo.cli;

import jdpo.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/**
 * The {@code jdpo} command: parses flags with picocli and hands each subcommand one use-case.
 * No math lives in this package.
 */
@Command(name = "jdpo",
        mixinStandardHelpOptions = true,
        version = "jdpo 0.1.0",
        description = {
            "GPT-2 and Direct Preference Optimization (DPO) from scratch in plain Java.",
            "",
            "Every command prints its own help: jdpo COMMAND --help"},
        subcommands = {
            DemoCommand.class,
            TokenizeCommand.class,
            LogprobsCommand.class,
            GenerateCommand.class,
            ScoreCommand.class,
            TrainCommand.class,
            SftCommand.class,
            ReportCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces on errors.")
    boolean verbose;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and notebooks). */
    public static int run(String... args) {
        // UTF-8 whatever the platform's locale says, so token text prints as it is.
        return run(new PrintWriter(new java.io.OutputStreamWriter(System.out, java.nio.charset.StandardCharsets.UTF_8), true),
                new PrintWriter(new java.io.OutputStreamWriter(System.err, java.nio.charset.StandardCharsets.UTF_8), true), args);
    }

    /** Runs the command line with its output and errors going to the given writers. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(Main::onError);
        int code;
        try {
            code = cli.execute(args);
        } catch (OutOfMemoryError e) {
            // The work that filled the heap has unwound, so there is room to say so. Checkpoints
            // are written whole or not at all: whatever was saved before is intact.
            if (java.util.Arrays.asList(args).contains("--verbose")) e.printStackTrace(err);
            err.printf(java.util.Locale.ROOT, "error: out of memory: the Java heap (at most %d MB) is full; give jdpo more, "
                    + "e.g. JDPO_JAVA_OPTS=-Xmx8g ./jdpo ..., or use a smaller --batch-size or --max-length%n",
                    Runtime.getRuntime().maxMemory() >> 20);
            code = 1;
        }
        out.flush();
        err.flush();
        return code;
    }

    /** A user's mistake is one line on stderr and exit code 1; anything else is a bug and says so. */
    private static int onError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean verbose = parsed.hasMatchedOption("--verbose")
                || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--verbose"));
        PrintWriter err = cmd.getErr();
        if (verbose) e.printStackTrace(err);
        if (e instanceof BadInputException || e instanceof CommandLine.ParameterException
                || e instanceof jdpo.dpo.NonFiniteException) {
            err.println("error: " + e.getMessage());
        } else if (e instanceof NoSuchFileException) {
            err.println("error: no such file: " + e.getMessage());
        } else if (e instanceof UncheckedIOException || e instanceof java.io.IOException) {
            err.println("error: " + e.getMessage());
        } else {
            err.println("error: internal error (" + e + "); rerun with --verbose for the stack trace");
        }
        err.flush();
        return 1;
    }
}
