package jdpo.gpt2;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Activations are sized per batch shape. When a longer batch comes, the arrays too small for it
 * must be let go of, not kept for ever behind the new ones (training sees a new length at almost
 * every step, and at GPT-2 size each logits array is ~100 MB).
 */
class ActivationsMemoryTest {

    @Test
    void arraysOutgrownByALongerBatchCanBeCollected() throws InterruptedException {
        Gpt2Config c = new Gpt2Config(2, 2, 8, 32, 50, 1e-5f, 49, 49);
        Gpt2 model = Gpt2.trainable(new Gpt2Params(c).initialize(new Rng(3)), Kernels.of("scalar", Parallel.SERIAL));
        float[] shortLogits = model.forward(ids(2, 4), 2, 4).data;
        float[] shortGrads = model.logitsGrad().data;
        WeakReference<float[]> logits = new WeakReference<>(shortLogits), grads = new WeakReference<>(shortGrads);

        // A shorter batch reuses the arrays; a longer one needs bigger ones.
        assertSame(shortLogits, model.forward(ids(2, 3), 2, 3).data);
        assertNotSame(shortLogits, model.forward(ids(2, 9), 2, 9).data);
        shortLogits = null;
        shortGrads = null;
        for (int i = 0; i < 20 && (logits.get() != null || grads.get() != null); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertTrue(logits.get() == null, "the outgrown logits array is still reachable");
        assertTrue(grads.get() == null, "the outgrown logits-gradient array is still reachable");
    }

    private static int[] ids(int B, int T) {
        int[] ids = new int[B * T];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 7) % 50;
        return ids;
    }
}
