package jdpo.tensor;
import java.util.Collections;
import java.util.List;

/**
 * A seeded random number generator (SplitMix64), passed in explicitly wherever jdpo draws a
 * random number. Written out here so the stream of numbers for a seed is the same on every JDK.
 */
public final class Rng {
    private long state;
    private double spareGaussian;
    private boolean hasSpare;

    public Rng(long seed) {
        this.state = seed;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        long limit = (1L << 32) - ((1L << 32) % bound);
        while (true) {
            long r = nextLong() >>> 32;
            if (r < limit) return (int) (r % bound);
        }
    }

    /** Uniform integer in [lo, hi]. */
    public int nextInt(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    /** Standard normal, by the Box-Muller transform (pairs, the second one kept for the next call). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 == 0.0);
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        spareGaussian = r * Math.sin(2 * Math.PI * u2);
        hasSpare = true;
        return r * Math.cos(2 * Math.PI * u2);
    }

    /** Shuffles {@code a} in place (Fisher-Yates, from the last element down). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int k = nextInt(i + 1);
            int t = a[i];
            a[i] = a[k];
            a[k] = t;
        }
    }

    /** Shuffles {@code list} in place, drawing exactly as {@link #shuffle(int[])} does. */
    public void shuffle(List<?> list) {
        for (int i = list.size() - 1; i > 0; i--) Collections.swap(list, i, nextInt(i + 1));
    }

    /** A new generator whose stream is independent of this one's continuation. */
    public Rng split() {
        return new Rng(nextLong() ^ 0x5DEECE66DL);
    }

    /** The generator's whole state, for checkpoints. */
    public long[] state() {
        return new long[] {state, Double.doubleToRawLongBits(spareGaussian), hasSpare ? 1 : 0};
    }

    /** Restores a state returned by {@link #state()}. */
    public void restore(long[] s) {
        state = s[0];
        spareGaussian = Double.longBitsToDouble(s[1]);
        hasSpare = s[2] != 0;
    }
}
