package jdpo.cli;

import jdpo.dpo.StepMetrics;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.Locale;

/** A progress bar on stderr (step, loss, accuracy, margin, tokens/s, ETA), or plain lines when off. */
final class TrainingProgress implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintWriter err;

    TrainingProgress(int total, int start, boolean enabled, PrintWriter err) {
        this.err = err;
        // A bar needs a terminal; in a pipe or a log file the step lines say it all.
        this.bar = enabled && total > start && System.console() != null ? new ProgressBarBuilder()
                .setTaskName("DPO")
                .setInitialMax(total)
                .startsFrom(start, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .setMaxRenderedLength(110)
                .build() : null;
    }

    void step(int n, StepMetrics m) {
        if (bar == null) return;
        bar.stepTo(n);
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.2f margin %.3f %.0f tok/s",
                m.get("loss"), m.get("rewards/accuracies"), m.get("rewards/margins"), m.get("tokens_per_s")));
    }

    /** Prints a log line above the bar. */
    void println(String line) {
        if (bar != null) {
            System.err.print("\r" + " ".repeat(110) + "\r");
        }
        err.println(line);
        err.flush();
    }

    static String line(StepMetrics m) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "step %d  loss %.5f  rewards/chosen %.4f  rewards/rejected %.4f  accuracy %.2f  margin %.4f  "
                        + "logps/chosen %.3f  logps/rejected %.3f  grad_norm %.4f  lr %.3g  %.0f tok/s",
                (long) m.get("step"), m.get("loss"), m.get("rewards/chosen"), m.get("rewards/rejected"),
                m.get("rewards/accuracies"), m.get("rewards/margins"), m.get("logps/chosen"), m.get("logps/rejected"),
                m.get("grad_norm"), m.get("learning_rate"), m.get("tokens_per_s")));
        if (m.has("eval_loss")) {
            b.append(String.format(Locale.ROOT, "  | eval loss %.5f accuracy %.2f margin %.4f",
                    m.get("eval_loss"), m.get("eval_rewards/accuracies"), m.get("eval_rewards/margins")));
        }
        return b.toString();
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
