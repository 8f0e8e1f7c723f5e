package jdpo.dpo;

import jdpo.gpt2.Gpt2;
import jdpo.gpt2.Gpt2Params;
import jdpo.tensor.Kernels;
import jdpo.tensor.Tensor;

/** A frozen model as the reference: a forward pass per batch, no gradients, no optimizer state. */
public final class ModelReference implements Reference {
    private final Gpt2 model;
    private final SequenceLogProbs logps;
    private final String description;

    public ModelReference(Gpt2Params params, Kernels kernels, boolean averageLogps, String description) {
        this.model = Gpt2.frozen(params, kernels);
        this.logps = new SequenceLogProbs(averageLogps);
        this.description = description;
    }

    @Override
    public double[] logps(PreferenceBatch batch, int[] pairIds) {
        Tensor logits = model.forward(batch.ids, batch.rows, batch.T);
        return logps.forward(model.kernels(), logits, batch.targets, batch.rows, batch.T);
    }

    @Override
    public String describe() {
        return description;
    }
}
