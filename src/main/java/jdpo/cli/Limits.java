package jdpo.cli;

import jdpo.io.BadInputException;

/**
 * Upper bounds for the size flags, checked before any work. Beyond them a run cannot be meant:
 * {@code --threads 2147483647} would try to start two billion threads, {@code --batch-size 100000}
 * pairs of GPT-2 need terabytes of activations, {@code --grad-accum 2147483647} would take years
 * per step. One line says so instead of an out-of-memory error minutes later.
 */
final class Limits {
    private Limits() {}

    static final int MAX_THREADS = 1024;
    static final int MAX_BATCH = 4096;
    static final int MAX_STEPS = 10_000_000;

    /** Checks {@code value <= max} for the flag {@code name} (lower bounds are each command's own). */
    static void atMost(String name, double value, long max) {
        if (value > max) throw new BadInputException(name + " must be at most " + max + ", got " + (value == (long) value ? Long.toString((long) value) : Double.toString(value)));
    }
}
