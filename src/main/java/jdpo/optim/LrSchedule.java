package jdpo.optim;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The learning-rate multiplier at each optimizer step, as Hugging Face's
 * {@code get_constant_schedule_with_warmup}, {@code get_linear_schedule_with_warmup} and
 * {@code get_cosine_schedule_with_warmup} define it. With W warmup steps and N steps in all,
 * at step s (0-based):
 * <pre>
 *   s &lt; W      s / max(1, W)                                  (all shapes)
 *   constant   1
 *   linear     max(0, (N - s) / max(1, N - W))
 *   cosine     max(0, (1 + cos(pi (s - W) / max(1, N - W))) / 2)
 * </pre>
 * As with PyTorch's LambdaLR, optimizer step s uses {@code multiplier(s)}: with warmup the first
 * step has learning rate 0.
 */
public final class LrSchedule {

    /** The shape of the schedule after warmup. */
    public enum Shape {
        CONSTANT, LINEAR, COSINE;

        /** The name as the command line spells it. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The shape named {@code name} (case-insensitive). */
        public static Shape parse(String name) {
            String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
            for (Shape s : values()) if (s.cliName().equals(key)) return s;
            throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "'; valid: " + validNames());
        }

        /** The valid names, comma separated. */
        public static String validNames() {
            return Arrays.stream(values()).map(Shape::cliName).collect(Collectors.joining(", "));
        }
    }

    private final Shape shape;
    private final int warmupSteps;
    private final int totalSteps;

    /**
     * @param warmupSteps steps of linear warmup from 0, {@code >= 0}
     * @param totalSteps  optimizer steps of the whole run, {@code >= 0}; unused by CONSTANT
     */
    public LrSchedule(Shape shape, int warmupSteps, int totalSteps) {
        if (shape == null) throw new IllegalArgumentException("schedule shape is required; valid: " + Shape.validNames());
        if (warmupSteps < 0) throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
        if (totalSteps < 0) throw new IllegalArgumentException("total steps must be >= 0, got " + totalSteps);
        this.shape = shape;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    /** The schedule named {@code name}: constant, linear or cosine. */
    public static LrSchedule of(String name, int warmupSteps, int totalSteps) {
        return new LrSchedule(Shape.parse(name), warmupSteps, totalSteps);
    }

    public Shape shape() { return shape; }

    public int warmupSteps() { return warmupSteps; }

    public int totalSteps() { return totalSteps; }

    /** The factor applied to the base learning rate at optimizer step {@code step} (0-based). */
    public double multiplier(int step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
        double afterWarmup = Math.max(1, totalSteps - warmupSteps);
        return switch (shape) {
            case CONSTANT -> 1.0;
            case LINEAR -> Math.max(0.0, (totalSteps - step) / afterWarmup);
            case COSINE -> Math.max(0.0, 0.5 * (1 + Math.cos(Math.PI * ((step - warmupSteps) / afterWarmup))));
        };
    }

    /** {@code baseLr * multiplier(step)}. */
    public double lr(double baseLr, int step) {
        return baseLr * multiplier(step);
    }

    @Override
    public String toString() {
        return shape.cliName() + "(warmup=" + warmupSteps + ", total=" + totalSteps + ")";
    }
}
