package jdpo.gpt2;

import jdpo.tensor.Kernels;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;
import jdpo.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Gpt2DecoderTest {

    private static Gpt2Params randomModel(long seed) {
        Gpt2Config config = new Gpt2Config(2, 3, 12, 10, 23, 1e-5f, 22, 22);
        Gpt2Params p = new Gpt2Params(config).initialize(new Rng(seed));
        Rng rng = new Rng(seed + 1);
        for (int i = 0; i < p.all.size(); i++) p.all.put(i, p.all.at(i) + (float) (0.2 * rng.nextGaussian()));
        return p;
    }

    @Test
    void cachedDecodingGivesTheFullForwardsLogitsAtEveryPosition() {
        Gpt2Params p = randomModel(5);
        Kernels k = Kernels.of("scalar", Parallel.SERIAL);
        int[] ids = {3, 17, 0, 22, 9, 9, 4, 1, 12, 5};
        Tensor full = Gpt2.frozen(p, k).forward(ids, 1, ids.length);
        Gpt2Decoder dec = new Gpt2Decoder(p, k);
        for (int t = 0; t < ids.length; t++) {
            Tensor step = dec.next(ids[t]);
            for (int v = 0; v < 23; v++) {
                assertEquals(full.get(0, t, v), step.at(v), 1e-5, "position " + t + " token " + v);
            }
        }
        assertThrows(IllegalStateException.class, () -> dec.next(1));
    }

    @Test
    void greedySamplingPicksTheArgmaxAndTopKOneIsGreedy() {
        Tensor logits = Tensor.of(new float[] {0.1f, 2.5f, -1f, 2.4f}, 4);
        assertEquals(1, new Sampler(0, 0, 1, 4).sample(logits, new Rng(1)));
        Rng rng = new Rng(9);
        for (int i = 0; i < 50; i++) assertEquals(1, new Sampler(1.5, 1, 1, 4).sample(logits, rng));
        for (int i = 0; i < 50; i++) assertEquals(1, new Sampler(1.0, 0, 0.01, 4).sample(logits, rng));
    }

    @Test
    void samplingIsReproducibleBySeedAndFollowsTheDistribution() {
        Tensor logits = Tensor.of(new float[] {0f, (float) Math.log(3)}, 2);
        Sampler s = new Sampler(1.0, 0, 1.0, 2);
        Rng a = new Rng(4), b = new Rng(4);
        int ones = 0;
        for (int i = 0; i < 20_000; i++) {
            int x = s.sample(logits, a);
            assertEquals(x, s.sample(logits, b));
            ones += x;
        }
        // P(1) = 3/4; the standard error over 20,000 draws is 0.003.
        assertEquals(0.75, ones / 20_000.0, 0.02);
        assertNotEquals(0, ones);
    }
}
