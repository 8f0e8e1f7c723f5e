package jdpo.gpt2;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * A frozen model keeps one block of activations for all layers (it never runs backward): its
     * logits must be the trainable model's, bit for bit, which they would not be if a layer
     * overwrote its input before reading all of it.
     */
    @Test
    void aForwardOnlyModelSharesOneBlockAndGivesTheSameLogits() {
        Gpt2Config c = new Gpt2Config(3, 2, 8, 32, 50, 1e-5f, 49, 49);
        Gpt2Params params = new Gpt2Params(c).initialize(new Rng(5));
        Kernels k = Kernels.of("vector", Parallel.SERIAL);
        Gpt2 frozen = Gpt2.frozen(params, k), trainable = Gpt2.trainable(params, k);
        for (int T : new int[] {7, 4, 12}) {
            assertArrayEquals(trainable.forward(ids(2, T), 2, T).toArray(), frozen.forward(ids(2, T), 2, T).toArray(), "T=" + T);
        }
        Activations shared = new Activations(c, 2, 4, false, 1, null), all = new Activations(c, 2, 4, false, 3, null);
        assertSame(shared.h[0], shared.h[2]);
        assertNotSame(all.h[0], all.h[2]);
        Activations twoInTurn = new Activations(c, 2, 4, true, 2, null);
        assertSame(twoInTurn.h[0], twoInTurn.h[2]);
        assertNotSame(twoInTurn.h[0], twoInTurn.h[1]);
    }

    private static int[] ids(int B, int T) {
        int[] ids = new int[B * T];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 7) % 50;
        return ids;
    }
}
