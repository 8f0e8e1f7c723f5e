package jdpo.gpt2;

import jdpo.nn.CrossEntropy;
import jdpo.optim.AdamW;
import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;

/**
 * What {@link StepIntoTest} runs under a debugger: one training step of a tiny random GPT-2 on
 * one thread (forward, cross-entropy backward, model backward, AdamW), with the kernels named by
 * the first argument.
 */
public final class StepThroughTarget {
    private StepThroughTarget() {}

    public static void main(String[] args) {
        int B = 2, T = 5, V = 11;
        Gpt2Params params = new Gpt2Params(new Gpt2Config(1, 2, 8, 8, V, 1e-5f, V - 1, V - 1));
        Rng rng = new Rng(15);
        for (int i = 0; i < params.all.size(); i++) params.all.put(i, (float) (rng.nextGaussian() * 0.2));
        int[] ids = new int[B * T], targets = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(V);
            targets[i] = rng.nextInt(V);
        }
        Gpt2 model = Gpt2.trainable(params, Kernels.of(args[0], Parallel.SERIAL));
        model.zeroGrad();
        Tensor logits = model.forward(ids, B, T);
        CrossEntropy.backward(model.logitsGrad(), logits, targets, 1f);
        model.backward();
        new AdamW(0.01).step(model.parameters(), 1e-3);
    }
}
