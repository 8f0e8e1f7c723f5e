package jdpo.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The blocked product gives the bits of {@link BlockedMatmul#reference}, its six-line
 * specification: for row-major and transposed {@code A} and {@code B}, accumulate and overwrite
 * (from zero and from a bias row), 1 and 2 threads, the default blocking and one so small that
 * every kc, mc, nc and shared boundary is crossed, on sizes that leave every edge tile and the thin
 * (single-row) path.
 */
class BlockedMatmulTest {
    private static final Parallel TWO = new Parallel(2);
    private static final BlockedMatmul DEFAULT = new BlockedMatmul(BlockedMatmul.DEFAULT);
    private static final BlockedMatmul TINY = new BlockedMatmul(new BlockedMatmul.Blocking(5, 1, 1, 7));

    @AfterAll
    static void closePool() {
        TWO.close();
    }

    private enum Mode { ACCUMULATE, OVERWRITE, OVERWRITE_WITH_BIAS }

    @TestFactory
    List<DynamicTest> blockedProductEqualsTheReferenceBitForBit() {
        Rng gen = new Rng(15);
        List<DynamicTest> tests = new ArrayList<>();
        int[][] mkn = {{1, 1, 1}, {1, 40, 2 * BlockedMatmul.NR + 3}, {6, 9, BlockedMatmul.NR}, {7, 385, 33}, {5, 1100, 20},
                {13, 64, 70}, {100, 3, 9}, {29, 800, 5}};
        List<int[]> shapes = new ArrayList<>(List.of(mkn));
        while (shapes.size() < 20) shapes.add(new int[] {gen.nextInt(1, 40), gen.nextInt(1, 90), gen.nextInt(1, 90)});
        long seed = 0;
        for (int[] s : shapes) {
            for (boolean aT : new boolean[] {false, true}) {
                for (boolean bT : new boolean[] {false, true}) {
                    for (Mode mode : Mode.values()) {
                        long sd = seed++;
                        String name = String.format("seed=%d M=%d K=%d N=%d A%s B%s %s", sd, s[0], s[1], s[2],
                                aT ? "^T" : "", bT ? "^T" : "", mode);
                        tests.add(DynamicTest.dynamicTest(name, () -> check(sd, s[0], s[1], s[2], aT, bT, mode)));
                    }
                }
            }
        }
        return tests;
    }

    private static void check(long seed, int m, int k, int n, boolean aTransposed, boolean bTransposed, Mode mode) {
        Rng rng = new Rng(seed);
        float[] a = Tensor.randn(rng, 1f, m * k).data, b = Tensor.randn(rng, 1f, k * n).data;
        float[] bias = Tensor.randn(rng, 1f, n).data, start = Tensor.randn(rng, 1f, m * n).data;
        StridedMatrix am = aTransposed ? new StridedMatrix(a, 0, 1, m) : new StridedMatrix(a, 0, k, 1);
        StridedMatrix bm = bTransposed ? new StridedMatrix(b, 0, 1, k) : new StridedMatrix(b, 0, n, 1);

        // The reference: an overwrite is the accumulate started from the bias row (or zeros).
        float[] expected = start.clone();
        for (int i = 0; i < m && mode != Mode.ACCUMULATE; i++) {
            for (int j = 0; j < n; j++) expected[i * n + j] = mode == Mode.OVERWRITE ? 0f : bias[j];
        }
        BlockedMatmul.reference(new StridedMatrix(expected, 0, n, 1), am, bm, m, n, k);

        for (BlockedMatmul matmul : new BlockedMatmul[] {DEFAULT, TINY}) {
            for (Parallel parallel : new Parallel[] {Parallel.SERIAL, TWO}) {
                float[] c = start.clone();
                StridedMatrix cm = new StridedMatrix(c, 0, n, 1);
                switch (mode) {
                    case ACCUMULATE -> matmul.accumulate(parallel, cm, am, bm, m, n, k);
                    case OVERWRITE -> matmul.overwrite(parallel, cm, am, bm, m, n, k, null, 0);
                    case OVERWRITE_WITH_BIAS -> matmul.overwrite(parallel, cm, am, bm, m, n, k, bias, 0);
                }
                assertArrayEquals(expected, c, (matmul == TINY ? "tiny" : "default") + " blocking, "
                        + parallel.threads() + " thread(s)");
            }
        }
    }
}
