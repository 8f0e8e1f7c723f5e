package jdpo.optim;

import jdpo.tensor.Parameter;

import java.util.List;

/** The gradient buffers of a model's parameters as a whole. */
public final class Gradients {
    private Gradients() {}

    /** Sets every gradient to zero; backward passes accumulate, so each step starts here. */
    public static void zero(List<Parameter> params) {
        for (Parameter p : params) p.grad.zero();
    }

    /** Multiplies every gradient by {@code s}, e.g. {@code 1 / gradAccumSteps}. */
    public static void scale(List<Parameter> params, float s) {
        for (Parameter p : params) p.grad.scale(s);
    }

    /** True when every gradient element is finite. */
    public static boolean allFinite(List<Parameter> params) {
        for (Parameter p : params) if (!p.grad.allFinite()) return false;
        return true;
    }
}
