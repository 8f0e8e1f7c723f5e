package jdpo.optim;

import jdpo.tensor.Parameter;

import java.util.List;

/**
 * Clipping by global norm, as {@code torch.nn.utils.clip_grad_norm_} does it: with
 * {@code norm = sqrt(sum over every parameter's gradient of g^2)}, when
 * {@code c = maxNorm / (norm + 1e-6)} is below 1 every gradient is multiplied by {@code c}.
 * The norm before clipping is what TRL logs as {@code grad_norm}.
 */
public final class GradClip {
    private GradClip() {}

    /** The global L2 norm of all gradients, summed in double. */
    public static double globalNorm(List<Parameter> params) {
        double sum = 0;
        for (Parameter p : params) sum += p.grad.sumOfSquares();
        return Math.sqrt(sum);
    }

    /**
     * Scales the gradients so that their global norm is at most about {@code maxNorm}
     * ({@code 0} turns clipping off) and returns the norm they had before. A non-finite norm
     * leaves the gradients as they are: scaling cannot repair them, the caller has to notice.
     */
    public static double clip(List<Parameter> params, double maxNorm) {
        if (!(maxNorm >= 0) || !Double.isFinite(maxNorm)) {
            throw new IllegalArgumentException("max grad norm must be a finite number >= 0 (0 turns clipping off), got " + maxNorm);
        }
        double norm = globalNorm(params);
        if (maxNorm == 0 || !Double.isFinite(norm)) return norm;
        // The 1e-6 keeps the division finite at norm 0 and is PyTorch's, so the clipped norm sits just below maxNorm.
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            float c = (float) coef;
            for (Parameter p : params) p.grad.scale(c);
        }
        return norm;
    }
}
