package jdpo.cli;

import jdpo.dpo.NonFiniteException;
import jdpo.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Locale;

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
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = run(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                err, args);
        // Some commands print through System.out itself; a PrintStream keeps its failures to itself.
        if (code == 0 && System.out.checkError()) code = stdoutFailed(err);
        return code;
    }

    /** The flags that shrink the memory a command needs, for the out-of-memory hint. */
    private static String smallerFlags(String[] args) {
        String command = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("");
        return switch (command) {
            case "bench" -> "a smaller --m, --pairs or --seq-len, or --config tiny";
            case "sft" -> "a smaller --batch-size or a smaller model (--n-layer, --n-embd, --n-positions)";
            case "demo" -> "a smaller --batch-size";
            case "generate", "logprobs", "tokenize" -> "a smaller model";
            default -> "a smaller --batch-size or --max-length";
        };
    }

    /** Output that did not arrive (a full disk, a closed pipe) is a failure, not a success. */
    private static int stdoutFailed(PrintWriter err) {
        err.println("error: cannot write to standard output (disk full, or the reader went away); the output is incomplete");
        err.flush();
        return 1;
    }

    /** Runs the command line with its output and errors going to the given writers. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(Main::onError);
        for (String command : new String[] {"train", "score", "sft"}) {
            cli.getSubcommands().get(command).getCommandSpec().usageMessage()
                    .footer("", "TRL's flag names are accepted too: " + TrlFlagNames.help(command) + ".");
        }
        cli.setParameterExceptionHandler((e, given) -> onBadFlags(e, args));
        int code;
        try {
            code = cli.execute(TrlFlagNames.translate(args));
        } catch (OutOfMemoryError e) {
            // The work that filled the heap has unwound, so there is room to say so. Checkpoints
            // are written whole or not at all: whatever was saved before is intact.
            if (Arrays.asList(args).contains("--verbose")) e.printStackTrace(err);
            err.printf(Locale.ROOT, "error: out of memory: the Java heap (at most %d MB) is full; give jdpo more, "
                    + "e.g. JDPO_JAVA_OPTS=-Xmx8g ./jdpo ..., or use %s%n",
                    Runtime.getRuntime().maxMemory() >> 20, smallerFlags(args));
            code = 1;
        }
        if (out.checkError() && code == 0) code = stdoutFailed(err);
        err.flush();
        return code;
    }

    /**
     * A flag mistake is one line, the closest valid flag when there is one, and where the help
     * is; not the whole help, which buries the line that matters. A mistyped flag is reported as
     * unknown even when picocli first notices that the flag it was meant to be is missing.
     */
    private static int onBadFlags(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = e.getMessage();
        String unknown = firstUnknownFlag(cmd, args);
        if (unknown != null && (e instanceof CommandLine.MissingParameterException || e instanceof CommandLine.UnmatchedArgumentException)) {
            String closest = FlagSuggestions.closest(unknown, cmd.getCommandSpec().optionsMap().keySet());
            message = "unknown flag " + unknown + (closest == null ? "" : "; did you mean " + closest + "?");
        } else if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += "; did you mean " + u.getSuggestions().get(0) + "?";
        }
        if (Arrays.asList(args).contains("--verbose")) e.printStackTrace(err);
        err.println("error: " + message + " (see " + cmd.getCommandSpec().qualifiedName() + " --help)");
        err.flush();
        return 2;
    }

    /** The first argument of {@code cmd}'s part of {@code args} that looks like a flag {@code cmd} does not have. */
    private static String firstUnknownFlag(CommandLine cmd, String[] args) {
        var options = cmd.getCommandSpec().optionsMap().keySet();
        boolean inCmd = cmd.getCommandSpec().parent() == null;
        for (String a : args) {
            if (!inCmd) {
                inCmd = a.equals(cmd.getCommandName());
                continue;
            }
            if (a.equals("--")) break; // what follows is text, not flags
            if (!a.startsWith("-") || a.equals("-") || a.matches("-\\d.*")) continue;
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!options.contains(name)) return name;
        }
        return null;
    }

    /** A user's mistake is one line on stderr and exit code 1; anything else is a bug and says so. */
    private static int onError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean verbose = parsed.hasMatchedOption("--verbose")
                || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--verbose"));
        PrintWriter err = cmd.getErr();
        if (verbose) e.printStackTrace(err);
        if (e instanceof Interruption.Interrupted) {
            err.println("jdpo: " + e.getMessage());
            err.flush();
            return ((Interruption.Interrupted) e).exitCode;
        }
        if (e instanceof BadInputException || e instanceof CommandLine.ParameterException
                || e instanceof NonFiniteException) {
            err.println("error: " + e.getMessage());
        } else if (e instanceof NoSuchFileException) {
            err.println("error: no such file: " + e.getMessage());
        } else if (e instanceof UncheckedIOException || e instanceof IOException) {
            err.println("error: " + e.getMessage());
        } else {
            err.println("error: internal error (" + e + "); rerun with --verbose for the stack trace");
        }
        err.flush();
        return 1;
    }
}
