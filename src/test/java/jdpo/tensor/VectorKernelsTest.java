package jdpo.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The vector kernels against their specification, {@link ScalarKernels}: the same bits.
 *
 * <p>Both compute each output as one chain of fused multiply-adds from its old value, the bias or
 * zero, in increasing order of the summed index (the bias gradient as a plain sum of the rows,
 * then added), so they must agree exactly, not just within float rounding: a student stepping
 * through the scalar loop sees the numbers of the fast path. Threads and cache blocking must not
 * change a single bit either: between blocks a partial sum is stored and reloaded exactly.
 * ({@link ScalarKernelsTest} checks the scalar kernels against the product in double.)
 */
class VectorKernelsTest {
    private static final Parallel TWO = new Parallel(2);
    private static final Kernels SCALAR = new ScalarKernels(Parallel.SERIAL);
    private static final Kernels VECTOR = new VectorKernels(Parallel.SERIAL);
    private static final Kernels VECTOR_TWO = new VectorKernels(TWO);
    /** Blocks so small that shapes up to 70 cross every kc, mc and nc boundary. */
    private static final Kernels VECTOR_TINY = new VectorKernels(TWO, new BlockedMatmul.Blocking(5, 1, 1, 7));

    @AfterAll
    static void closePool() {
        TWO.close();
    }

    /** One product: its operands from a seed, how to run it, its output and sum length. */
    private interface Op {
        /** Builds fresh operands; returns {out, inputs...}; out starts random (overwritten or accumulated). */
        Tensor[] operands(Rng rng, int m, int k, int n);

        void run(Kernels kernels, Tensor[] t);

        /** How many leading operands are outputs (linearBackwardWeight has dw and db). */
        default int outputs() { return 1; }
    }

    private static final List<String> OPS = List.of("linearForward", "linearBackwardInput", "linearBackwardWeight",
            "lmHeadForward", "lmHeadBackwardInput", "lmHeadBackwardWeight");

    private static Op op(String name) {
        switch (name) {
            case "linearForward": // y[m,n] = x[m,k] w[k,n] + b
                return new Op() {
                    public Tensor[] operands(Rng r, int m, int k, int n) {
                        return new Tensor[] {randn(r, m, n), randn(r, m, k), randn(r, k, n), randn(r, n)};
                    }
                    public void run(Kernels kn, Tensor[] t) { kn.linearForward(t[0], t[1], t[2], t[3]); }
                };
            case "linearBackwardInput": // dx[m,k] += dy[m,n] w[k,n]^T
                return new Op() {
                    public Tensor[] operands(Rng r, int m, int k, int n) {
                        return new Tensor[] {randn(r, m, k), randn(r, m, n), randn(r, k, n)};
                    }
                    public void run(Kernels kn, Tensor[] t) { kn.linearBackwardInput(t[0], t[1], t[2]); }
                };
            case "linearBackwardWeight": // dw[k,n] += x[m,k]^T dy[m,n], db[n] += sum dy
                return new Op() {
                    public Tensor[] operands(Rng r, int m, int k, int n) {
                        return new Tensor[] {randn(r, k, n), randn(r, n), randn(r, m, k), randn(r, m, n)};
                    }
                    public void run(Kernels kn, Tensor[] t) { kn.linearBackwardWeight(t[0], t[1], t[2], t[3]); }
                    public int outputs() { return 2; }
                };
            case "lmHeadForward": // logits[m,v=n] = x[m,c=k] wte[v,c]^T
                return new Op() {
                    public Tensor[] operands(Rng r, int m, int k, int n) {
                        return new Tensor[] {randn(r, m, n), randn(r, m, k), randn(r, n, k)};
                    }
                    public void run(Kernels kn, Tensor[] t) { kn.lmHeadForward(t[0], t[1], t[2]); }
                };
            case "lmHeadBackwardInput": // dx[m,c=k] += dlogits[m,v=n] wte[v,c]
                return new Op() {
                    public Tensor[] operands(Rng r, int m, int k, int n) {
                        return new Tensor[] {randn(r, m, k), randn(r, m, n), randn(r, n, k)};
                    }
                    public void run(Kernels kn, Tensor[] t) { kn.lmHeadBackwardInput(t[0], t[1], t[2]); }
                };
            case "lmHeadBackwardWeight": // dwte[v=n,c=k] += dlogits[m,v]^T x[m,c]
                return new Op() {
                    public Tensor[] operands(Rng r, int m, int k, int n) {
                        return new Tensor[] {randn(r, n, k), randn(r, m, n), randn(r, m, k)};
                    }
                    public void run(Kernels kn, Tensor[] t) { kn.lmHeadBackwardWeight(t[0], t[1], t[2]); }
                };
            default:
                throw new IllegalArgumentException(name);
        }
    }

    private static Tensor randn(Rng rng, int... shape) {
        return Tensor.randn(rng, 1f, shape);
    }

    /**
     * Shapes where M, K and N each take every size from 1 to 70 once (37 and 53 are prime to
     * 70), plus a few that cross the default cache blocks (kc 256, mc 96, nc 2048).
     */
    private static List<int[]> shapes() {
        List<int[]> s = new ArrayList<>();
        for (int i = 1; i <= 70; i++) s.add(new int[] {i, 1 + (i * 37) % 70, 1 + (i * 53) % 70});
        s.add(new int[] {101, 300, 37});
        s.add(new int[] {7, 513, 2085});
        s.add(new int[] {200, 3, 9});
        return s;
    }

    @TestFactory
    Stream<DynamicTest> vectorMatchesScalarAndIgnoresThreadsAndBlocking() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : OPS) {
            List<int[]> shapes = shapes();
            for (int c = 0; c < shapes.size(); c++) {
                int[] s = shapes.get(c);
                long seed = 1000L * OPS.indexOf(name) + c;
                tests.add(DynamicTest.dynamicTest(name + " seed=" + seed + " M=" + s[0] + " K=" + s[1] + " N=" + s[2],
                        () -> check(op(name), seed, s[0], s[1], s[2])));
            }
        }
        return tests.stream();
    }

    private static void check(Op op, long seed, int m, int k, int n) {
        Tensor[] start = op.operands(new Rng(seed), m, k, n);
        Tensor[] scalar = copies(start), vector = copies(start), two = copies(start), tiny = copies(start);
        op.run(SCALAR, scalar);
        op.run(VECTOR, vector);
        op.run(VECTOR_TWO, two);
        op.run(VECTOR_TINY, tiny);
        for (int o = 0; o < op.outputs(); o++) {
            assertArrayEquals(scalar[o].toArray(), vector[o].toArray(), "vector differs from scalar (output " + o + ")");
            assertArrayEquals(vector[o].toArray(), two[o].toArray(), "2 threads differ from 1 (output " + o + ")");
            assertArrayEquals(vector[o].toArray(), tiny[o].toArray(), "tiny blocks differ from default (output " + o + ")");
        }
    }

    private static Tensor[] copies(Tensor[] ts) {
        Tensor[] c = new Tensor[ts.length];
        for (int i = 0; i < ts.length; i++) c[i] = ts[i].copy();
        return c;
    }

    @Test
    void higherRankTensorsAreReadAsMatrices() {
        Rng rng = new Rng(7);
        Tensor x = Tensor.randn(rng, 1f, 2, 3, 5), w = Tensor.randn(rng, 1f, 5, 17), b = Tensor.randn(rng, 1f, 17);
        Tensor ys = Tensor.zeros(2, 3, 17), yv = Tensor.zeros(2, 3, 17);
        SCALAR.linearForward(ys, x, w, b);
        VECTOR.linearForward(yv, x, w, b);
        assertArrayEquals(ys.toArray(), yv.toArray());
    }

    @Test
    void wrongShapesAreRejected() {
        Tensor x = Tensor.zeros(4, 5), w = Tensor.zeros(6, 7), y = Tensor.zeros(4, 7);
        assertThrows(IllegalArgumentException.class, () -> VECTOR.linearForward(y, x, w, null));
        assertThrows(IllegalArgumentException.class, () -> VECTOR.lmHeadForward(Tensor.zeros(4, 6), x, Tensor.zeros(6, 4)));
    }

    @Test
    void vectorWidthIsValidatedAndNeverWiderThanTheCpu() {
        assertThrows(IllegalArgumentException.class, () -> VectorWidth.choose("300"));
        assertThrows(IllegalArgumentException.class, () -> VectorWidth.choose("wide"));
        int widest = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        assertEquals(Math.min(128, widest), VectorWidth.choose("128").vectorBitSize());
        assertEquals(Math.min(512, widest), VectorWidth.choose("512").vectorBitSize());
    }

    @Test
    void factoryKnowsVector() {
        assertEquals("vector", Kernels.of("vector", Parallel.SERIAL).name());
    }
}
