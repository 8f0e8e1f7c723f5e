package jdpo.cli;

import jdpo.io.BadInputException;
import jdpo.io.OutputDirectory;
import jdpo.report.HtmlReport;
import jdpo.report.RunInfo;
import jdpo.tensor.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "report",
        description = {
            "Write RUN_DIR/report.html: one self-contained web page on what DPO did in a run, for a class.",
            "",
            "The page shows the run's settings and training curves (the loss starts at ln 2), a few training and "
                + "held-out pairs token by token (each token coloured by how much training moved its log-prob, "
                + "the pair's loss worked out), the demo's samples before and after, and a beta sweep's reward "
                + "against KL. RUN_DIR is a `jdpo demo` or `jdpo train` output directory; `demo` and `train` "
                + "write the page themselves when they finish."},
        mixinStandardHelpOptions = true, sortOptions = false)
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The output directory of `jdpo demo` or `jdpo train`.")
    Path runDir;

    @Option(names = "--ref-model", paramLabel = "DIR", description = "The reference model (default: the one the run recorded).")
    Path refModel;

    @Option(names = "--data", paramLabel = "FILE", description = "Training pairs to show (default: the run's).")
    Path data;

    @Option(names = "--eval-data", paramLabel = "FILE", description = "Held-out pairs to show (default: the run's, if any).")
    Path evalData;

    @Option(names = "--pairs", defaultValue = "3", paramLabel = "N",
            description = "Training pairs, and as many held-out ones, shown token by token. Default: ${DEFAULT-VALUE}.")
    int pairs;

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isDirectory(runDir)) throw new BadInputException(runDir + ": no such directory");
        if (pairs < 0) throw new BadInputException("--pairs must be >= 0, got " + pairs);
        RunInfo info = RunInfo.find(runDir);
        if (info == null) {
            throw new BadInputException(runDir + ": not a jdpo run (no run.json, trainer_state.json, summary.json or sweep.json)");
        }
        for (Path f : new Path[] {data, evalData}) {
            if (f != null && !Files.isRegularFile(f)) throw new BadInputException(f + ": no such file");
        }
        info = info.with(refModel, data, evalData);
        // A run folder from before jdpo marked its folders is recognisably jdpo's by its files.
        OutputDirectory.adopt(runDir, info.kind());
        Kernels kernels = runtime.create();
        try (OutputDirectory dir = OutputDirectory.open(runDir)) {
            Path file = HtmlReport.write(dir.path(), info, kernels, pairs);
            out.println("Report: " + file + "  (open it in a browser)");
            out.flush();
            return 0;
        } finally {
            kernels.parallel().close();
        }
    }
}
