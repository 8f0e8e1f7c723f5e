package jdpo.cli;

import jdpo.io.BadInputException;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import picocli.CommandLine.Option;

/** The flags every command that runs the model shares: how many threads and which kernels. */
final class RuntimeOptions {

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads for the matrix products (default: all ${sys:jdpo.cores} cores). "
                    + "A fixed N gives bit-identical runs.")
    int threads = Parallel.defaultThreads();

    @Option(names = "--kernels", paramLabel = "NAME", defaultValue = "vector",
            description = "vector (Vector API, fast) or scalar (plain loops: the readable specification, "
                    + "good for stepping through in a debugger). Default: ${DEFAULT-VALUE}.")
    String kernels;

    static {
        System.setProperty("jdpo.cores", Integer.toString(Parallel.defaultThreads()));
    }

    /** Builds the kernels; the caller closes the returned {@link Parallel} when done. */
    Kernels create() {
        if (threads < 1) throw new BadInputException("--threads must be at least 1, got " + threads);
        Limits.atMost("--threads", threads, Limits.MAX_THREADS);
        String name = kernels;
        if (!Kernels.NAMES.contains(name)) {
            throw new BadInputException("--kernels: unknown kernels '" + name + "'; valid: "
                    + String.join(", ", Kernels.NAMES));
        }
        return Kernels.of(name, new Parallel(threads));
    }
}
