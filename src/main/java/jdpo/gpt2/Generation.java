package jdpo.gpt2;

import jdpo.tensor.Kernels;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

import java.util.Arrays;

/** A sampled continuation: the new token ids and the probability each had when it was drawn. */
public final class Generation {
    private final int[] newIds;
    private final double[] probs;
    private final int stopId;

    private Generation(int[] newIds, double[] probs, int stopId) {
        this.newIds = newIds;
        this.probs = probs;
        this.stopId = stopId;
    }

    public int[] newIds() {
        return newIds.clone();
    }

    /** The new ids without the stop token that ended them (if one did): the ids of the text. */
    public int[] textIds() {
        boolean stopped = newIds.length > 0 && newIds[newIds.length - 1] == stopId;
        return stopped ? Arrays.copyOf(newIds, newIds.length - 1) : newIds.clone();
    }

    /** P(token | everything before it) under the model (temperature 1, before top-k/top-p). */
    public double[] probs() {
        return probs.clone();
    }

    /**
     * Feeds {@code promptIds}, then samples up to {@code maxNewTokens} tokens, stopping after
     * {@code stopId} (pass -1 for no stop token) or when the context is full.
     */
    public static Generation run(Gpt2Params params, Kernels kernels, int[] promptIds, int maxNewTokens,
                                 Sampler sampler, Rng rng, int stopId) {
        if (promptIds.length == 0 || promptIds.length >= params.config.nPositions) {
            throw new IllegalArgumentException("a prompt of " + promptIds.length + " tokens leaves no room to sample in "
                    + params.config.nPositions + " positions");
        }
        Gpt2Decoder dec = new Gpt2Decoder(params, kernels);
        Tensor logits = null;
        for (int id : promptIds) logits = dec.next(id);
        int n = 0, room = params.config.nPositions - promptIds.length;
        int limit = Math.min(maxNewTokens, room + 1);
        int[] ids = new int[Math.max(0, limit)];
        double[] probs = new double[ids.length];
        while (n < limit && logits != null) {
            int next = sampler.sample(logits, rng);
            ids[n] = next;
            probs[n] = softmaxAt(logits, next);
            n++;
            if (next == stopId || dec.length() >= params.config.nPositions) break;
            if (n < limit) logits = dec.next(next);
        }
        return new Generation(Arrays.copyOf(ids, n), Arrays.copyOf(probs, n), stopId);
    }

    private static double softmaxAt(Tensor logits, int i) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < logits.size(); v++) max = Math.max(max, logits.at(v));
        double sum = 0;
        for (int v = 0; v < logits.size(); v++) sum += Math.exp(logits.at(v) - max);
        return Math.exp(logits.at(i) - max) / sum;
    }
}
