package jdpo.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Ctrl-C (SIGINT), {@code kill} (SIGTERM) and a closed terminal (SIGHUP) while a command trains.
 *
 * <p>The first signal only raises a flag: the training loop sees it after the step in progress,
 * saves a checkpoint and stops with {@link Interrupted}, whose one line says where the work is and
 * how to go on; the exit code is the shell's for that signal, 128 + its number (130, 143, 129).
 * A second signal ends the process at once, for a user who will not wait for the save.
 *
 * <p>Without this the JVM dies on the spot and every step since the last checkpoint is lost
 * (with the default {@code --save-every 0}, all of them).
 */
final class Interruption implements AutoCloseable {
    /** The signals handled, with the exit code each leads to. */
    static final Map<String, Integer> EXIT_CODES = new LinkedHashMap<>();

    static {
        EXIT_CODES.put("INT", 130);
        EXIT_CODES.put("TERM", 143);
        EXIT_CODES.put("HUP", 129);
    }

    private final PrintWriter err;
    private final IntConsumer halt;
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private volatile String received;

    Interruption(PrintWriter err, IntConsumer halt) {
        this.err = err;
        this.halt = halt;
    }

    /** Handles the signals until {@link #close}; a second signal halts the JVM. */
    static Interruption install(PrintWriter err) {
        Interruption i = new Interruption(err, code -> Runtime.getRuntime().halt(code));
        i.handle(i::received);
        return i;
    }

    /**
     * For a command with nothing worth saving mid-way (the demo): the first signal prints one line,
     * runs {@code cleanup} (releasing the output folder's lock) and exits with the signal's code.
     */
    static Interruption installStopAtOnce(PrintWriter err, String message, Runnable cleanup) {
        Interruption i = new Interruption(err, code -> Runtime.getRuntime().halt(code));
        i.handle(name -> {
            err.println("jdpo: interrupted (SIG" + name + "): " + message);
            err.flush();
            cleanup.run();
            i.halt.accept(EXIT_CODES.get(name));
        });
        return i;
    }

    private void handle(Consumer<String> onSignal) {
        for (String name : EXIT_CODES.keySet()) {
            try {
                Signal s = new Signal(name);
                previous.put(s, Signal.handle(s, sig -> onSignal.accept(name)));
            } catch (IllegalArgumentException e) {
                // This platform has no such signal (SIGHUP on Windows) or the JVM keeps it for itself.
            }
        }
    }

    /** What a handler does on {@code SIG<name>}: flag the first, halt on the second. */
    void received(String name) {
        if (received != null) {
            err.println("jdpo: second SIG" + name + ": stopping at once, without saving");
            err.flush();
            halt.accept(EXIT_CODES.get(name));
            return;
        }
        received = name;
        err.println("jdpo: SIG" + name + " received: stopping after the current step (send it again to stop at once)");
        err.flush();
    }

    boolean requested() {
        return received != null;
    }

    /** Throws {@link Interrupted} with {@code message} when a signal came. */
    void check(String message) {
        if (received != null) throw new Interrupted(received, message);
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
        previous.clear();
    }

    /** A command stopped by a signal, with the one line to print and the exit code for that signal. */
    static final class Interrupted extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        Interrupted(String signal, String message) {
            super("interrupted (SIG" + signal + "): " + message);
            this.exitCode = EXIT_CODES.get(signal);
        }
    }
}
