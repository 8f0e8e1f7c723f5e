package jdpo.gpt2;

import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

import java.util.Arrays;

/**
 * Picks the next token from logits: greedy (temperature 0), or a draw from
 * softmax(logits / temperature) restricted to the top-k tokens and to the smallest set whose
 * probability reaches top-p (nucleus), in that order, as Hugging Face's {@code generate} does.
 */
public final class Sampler {
    public final double temperature;
    public final int topK;
    public final double topP;
    private final Integer[] order;
    private final double[] probs;

    /**
     * @param temperature 0 for greedy; otherwise the logits are divided by it
     * @param topK        keep the k most likely tokens; 0 keeps all
     * @param topP        keep the most likely tokens until their mass reaches p; 1 keeps all
     */
    public Sampler(double temperature, int topK, double topP, int vocabSize) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.order = new Integer[vocabSize];
        this.probs = new double[vocabSize];
    }

    /** The next token for {@code logits [V]} (or {@code [1, V]}). */
    public int sample(Tensor logits, Rng rng) {
        int v = logits.size();
        if (temperature == 0) return argmax(logits);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) max = Math.max(max, logits.at(i));
        double sum = 0;
        for (int i = 0; i < v; i++) {
            probs[i] = Math.exp((logits.at(i) - max) / temperature);
            sum += probs[i];
        }
        for (int i = 0; i < v; i++) {
            probs[i] /= sum;
            order[i] = i;
        }
        // Most likely first; ties by id so the order never depends on the sort's stability.
        Arrays.sort(order, 0, v, (a, b) -> probs[a] != probs[b] ? Double.compare(probs[b], probs[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, v) : v;
        double mass = 0;
        for (int i = 0; i < keep; i++) {
            mass += probs[order[i]];
            if (mass >= topP) {
                keep = i + 1;
                break;
            }
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) kept += probs[order[i]];
        double u = rng.nextDouble() * kept;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += probs[order[i]];
            if (u < acc) return order[i];
        }
        return order[keep - 1];
    }

    /** The most likely token; the lowest id among ties. */
    public static int argmax(Tensor logits) {
        int best = 0;
        for (int i = 1; i < logits.size(); i++) if (logits.at(i) > logits.at(best)) best = i;
        return best;
    }
}
