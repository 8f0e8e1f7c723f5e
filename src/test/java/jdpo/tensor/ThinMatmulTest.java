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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A product of a single row (what the KV-cache decoder runs for every sampled token) skips
 * packing, yet must give the very bits that row gets inside a taller product: each element is
 * the same chain of fused multiply-adds either way. Checked for every layout of {@code A} and
 * {@code B} (row-major or transposed), for overwrite with and without a bias row and for
 * accumulate, at 1 and 2 threads, on sizes that leave every tail of the thin loops (8-column
 * groups, {@link BlockedMatmul#NR}-column passes, single vectors, single numbers) and cross the
 * default k-block.
 */
class ThinMatmulTest {
    private static final Parallel TWO = new Parallel(2);
    private static final BlockedMatmul MATMUL = new BlockedMatmul(BlockedMatmul.DEFAULT);

    @AfterAll
    static void closePool() {
        TWO.close();
    }

    private enum Mode { ACCUMULATE, OVERWRITE, OVERWRITE_WITH_BIAS }

    @TestFactory
    Stream<DynamicTest> oneRowAloneEqualsThatRowOfATallerProduct() {
        assertTrue(BlockedMatmul.THIN_ROWS < BlockedMatmul.MR, "a taller product must take the blocked path");
        List<DynamicTest> tests = new ArrayList<>();
        int[][] kn = {{1, 1}, {3, 7}, {8, 9}, {17, 15}, {5, 16}, {40, 63}, {29, BlockedMatmul.NR + 1},
                {64, 2 * BlockedMatmul.NR + BlockedMatmul.L + 3}, {1000, 37}, {70, 1}};
        long seed = 0;
        for (int[] s : kn) {
            for (boolean aT : new boolean[] {false, true}) {
                for (boolean bT : new boolean[] {false, true}) {
                    for (Mode mode : Mode.values()) {
                        long sd = seed++;
                        int m = 7 + (int) (sd % 6); // at least one micro-tile: the blocked path
                        String name = String.format("seed=%d M=%d K=%d N=%d A%s B%s %s", sd, m, s[0], s[1],
                                aT ? "^T" : "", bT ? "^T" : "", mode);
                        tests.add(DynamicTest.dynamicTest(name, () -> check(sd, m, s[0], s[1], aT, bT, mode)));
                    }
                }
            }
        }
        return tests.stream();
    }

    private static void check(long seed, int m, int k, int n, boolean aTransposed, boolean bTransposed, Mode mode) {
        Rng rng = new Rng(seed);
        // A [m, k] and B [k, n], stored either row-major or as the transpose of a row-major array.
        float[] a = Tensor.randn(rng, 1f, m * k).data, b = Tensor.randn(rng, 1f, k * n).data;
        float[] bias = Tensor.randn(rng, 1f, n).data;
        float[] start = Tensor.randn(rng, 1f, m * n).data;
        StridedMatrix am = aTransposed ? new StridedMatrix(a, 0, 1, m) : new StridedMatrix(a, 0, k, 1);
        StridedMatrix bm = bTransposed ? new StridedMatrix(b, 0, 1, k) : new StridedMatrix(b, 0, n, 1);

        float[] tall = start.clone();
        product(Parallel.SERIAL, new StridedMatrix(tall, 0, n, 1), am, bm, m, n, k, mode, bias);

        for (Parallel parallel : new Parallel[] {Parallel.SERIAL, TWO}) {
            for (int r = 0; r < m; r++) {
                float[] one = new float[n];
                System.arraycopy(start, r * n, one, 0, n);
                StridedMatrix rowOfA = new StridedMatrix(a, am.offset() + r * am.rowStride(), am.rowStride(), am.colStride());
                product(parallel, new StridedMatrix(one, 0, n, 1), rowOfA, bm, 1, n, k, mode, bias);
                float[] expected = new float[n];
                System.arraycopy(tall, r * n, expected, 0, n);
                assertArrayEquals(expected, one, "row " + r + " alone, " + parallel.threads() + " thread(s)");
            }
        }
    }

    private static void product(Parallel parallel, StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k,
                                Mode mode, float[] bias) {
        switch (mode) {
            case ACCUMULATE -> MATMUL.accumulate(parallel, c, a, b, m, n, k);
            case OVERWRITE -> MATMUL.overwrite(parallel, c, a, b, m, n, k, null, 0);
            case OVERWRITE_WITH_BIAS -> MATMUL.overwrite(parallel, c, a, b, m, n, k, bias, 0);
        }
    }

    @Test
    void theSwitchIsParsedStrictly() {
        assertEquals(1, BlockedMatmul.thinRows(null));
        assertEquals(1, BlockedMatmul.thinRows("true"));
        assertEquals(0, BlockedMatmul.thinRows("false"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockedMatmul.thinRows("off"));
        assertTrue(e.getMessage().contains("jdpo.matmul.thin"), e.getMessage());
    }
}
