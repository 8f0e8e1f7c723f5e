package jdpo.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The one fast matrix product behind {@link VectorKernels}: {@code C[m, n] += A[m, k] B[k, n]}
 * (or {@code C = bias + A B}), with {@code A} and {@code B} any {@link StridedMatrix} views.
 *
 * <p>The layout is the classic one of GotoBLAS/BLIS. {@code B} is copied ("packed") into thin
 * slivers of {@value #NV} vectors' width, {@code A} into slivers of {@value #MR} rows, {@code kc}
 * steps of {@code k} at a time, so that the micro-kernel reads both operands front to back from
 * cache, whatever the strides of the originals (a copy costs about 0.6 ns a number, a transposed
 * {@code B} gathered a vector at a time included, against some 10 ns of arithmetic per packed
 * number at GPT-2 shapes). The micro-kernel keeps an {@code MR x NR} tile of {@code C} in
 * {@code MR * NV} vector registers and does one broadcast-multiply-add per row and vector for
 * each step along {@code k}; it never reduces across lanes.
 *
 * <p>The threads share the work the way BLIS does: C is cut along its longer side into many
 * small parts, the operand of the shorter side (read by every part) is packed once and shared,
 * and each thread packs its own part of the other operand. The parts go to whichever thread is
 * free next ({@link Parallel#forEachPart}), so a core slowed by other work does less of the
 * product instead of holding up the end of it.
 *
 * <p>Every element of {@code C} is one chain of fused multiply-adds in increasing {@code k},
 * started from its old value (or the bias), whichever tile, block or thread computes it: the
 * result does not depend on the thread count at all, bit for bit.
 */
final class BlockedMatmul {
    /** Vector width, fixed once per JVM; see {@link VectorWidth}. */
    static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    static final int L = S.length();
    /** Rows of a micro-tile. */
    static final int MR = 6;
    /** Vectors per row of a micro-tile. */
    static final int NV = 4;
    /** Columns of a micro-tile. */
    static final int NR = NV * L;

    /**
     * Cache blocking. {@code kc} steps of {@code k} per packed block. C is cut into parts along
     * its longer side, {@code mc} rows (a multiple of {@link #MR}) or {@code nc} columns (a
     * multiple of {@link #NR}) each, and the threads take the parts in turn. The operand of the
     * shorter side is read by every part, so it is packed once per k-block and shared,
     * {@code shared} of its rows (or columns) at a time.
     */
    record Blocking(int kc, int mc, int nc, int shared) {
        Blocking {
            if (kc < 1 || mc < 1 || nc < 1 || shared < 1) throw new IllegalArgumentException("blocking must be positive");
            mc = ceilDiv(mc, MR) * MR;
            nc = ceilDiv(nc, NR) * NR;
        }
    }

    /**
     * Sizes picked by measurement at GPT-2 shapes. On a Sapphire Rapids (48 KiB L1d, 2 MiB L2)
     * kc 1024 beat 384 by 5-20% at 1 and 2 threads: every k-block is one more pass over C, whose
     * tiles are far apart in memory and come back from L3, so at k = 768 or 512 one block is
     * better than two (in the shared layout below, 384 was 10% slower, 1536 and 2048 within 2%).
     * A part of C is one sliver of columns (its packed B, 256 bytes per step of k, stays in L2
     * while the shared A streams past) or 96 rows (their packed A stays in L2 while the shared B
     * streams past); parts that small cost nothing extra, since no number is packed twice, and
     * let a fast thread take more of them (parts of 4 slivers were 3% slower).
     */
    static final Blocking DEFAULT = new Blocking(1024, 96, NR, 3840);

    /**
     * Packing buffers of one thread (a few MB; the shared operand up to {@code shared x kc}
     * numbers, 15 MB), grown on demand and reused by every later call.
     */
    private static final class Workspace {
        /** This thread's part of A or B. */
        float[] a = new float[0], b = new float[0];
        /** The operand every part reads, packed by the thread that called the product. */
        float[] shared = new float[0];
        final float[] tile = new float[MR * NR];

        static float[] fit(float[] buffer, int size) {
            return buffer.length < size ? new float[size] : buffer;
        }
    }

    /** One per thread, shared by all instances: a thread packs for one block at a time. */
    private static final ThreadLocal<Workspace> WORKSPACES = ThreadLocal.withInitial(Workspace::new);

    private final Blocking blocking;

    BlockedMatmul(Blocking blocking) {
        this.blocking = blocking;
    }

    /**
     * What {@link #accumulate} computes, as a reader would write it: {@code C[i, j] += sum_p
     * A[i, p] B[p, j]}, one chain of fused multiply-adds from C's old value in increasing
     * {@code p}. The blocked product gives exactly these bits, whatever the blocking and threads
     * (a test holds it to that); {@link #overwrite} is the same chain from the bias or zero.
     */
    static void reference(StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = c.get(i, j);
                for (int p = 0; p < k; p++) sum = Math.fma(a.get(i, p), b.get(p, j), sum);
                c.set(i, j, sum);
            }
        }
    }

    /** {@code C += A B}; {@code c} must have column stride 1. */
    void accumulate(Parallel parallel, StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k) {
        run(parallel, new Product(c, a, b, false, null, 0), m, n, k);
    }

    /** {@code C = row + A B}, the same {@code row[n]} added to every row; a null row means zeros. */
    void overwrite(Parallel parallel, StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k,
                   float[] row, int rowOffset) {
        run(parallel, new Product(c, a, b, true, row, rowOffset), m, n, k);
    }

    /** A product being computed: C, A and B, and whether C starts from {@code row} (or zeros). */
    private record Product(StridedMatrix c, StridedMatrix a, StridedMatrix b, boolean overwrite, float[] row, int rowOffset) {}

    private void run(Parallel parallel, Product x, int m, int n, int k) {
        if (x.c.colStride() != 1) throw new IllegalArgumentException("C must be row-major");
        if (m == 0 || n == 0) return;
        if (m <= THIN_ROWS) {
            thin(parallel, x.c, x.a, x.b, m, n, k, x.overwrite, x.row, x.rowOffset);
            return;
        }
        if (k == 0) {
            if (x.overwrite) fill(x.c, 0, m, 0, n, x.row, x.rowOffset);
            return;
        }
        // Equal k-blocks (1100 = 2 x 550, not 1024 + 76): a short last block wastes a C pass.
        int kc = ceilDiv(k, ceilDiv(k, blocking.kc()));
        // Parts of C run along its longer side; the operand of the shorter side is read by every
        // part, so it is packed once per k-block, by all threads, and shared.
        boolean byColumns = n >= m;
        int side = byColumns ? m : n;
        for (int s0 = 0; s0 < side; s0 += blocking.shared()) {
            for (int pc = 0; pc < k; pc += kc) {
                kBlock(parallel, x, byColumns, s0, Math.min(side, s0 + blocking.shared()), pc, Math.min(kc, k - pc), m, n);
            }
        }
    }

    /**
     * Steps {@code [pc, pc + kc)} of k for rows {@code [s0, s1)} of C and all its columns
     * ({@code byColumns}), or for columns {@code [s0, s1)} and all rows: the shared operand (those
     * rows of A, or columns of B) is packed into the calling thread's workspace, then the parts
     * are taken by whichever thread is free.
     */
    private void kBlock(Parallel parallel, Product x, boolean byColumns, int s0, int s1, int pc, int kc, int m, int n) {
        Workspace ws = WORKSPACES.get();
        int width = byColumns ? MR : NR;
        float[] shared = ws.shared = Workspace.fit(ws.shared, ceilDiv(s1 - s0, width) * width * kc);
        packShared(parallel, shared, byColumns ? x.a : x.b, !byColumns, s0, s1, pc, kc);
        int parts = byColumns ? ceilDiv(n, blocking.nc()) : ceilDiv(m, blocking.mc());
        if (parallel.isSerial()) {
            for (int part = 0; part < parts; part++) part(x, byColumns, shared, s0, s1, part, m, n, pc, kc);
        } else {
            parallel.forEachPart(parts, part -> part(x, byColumns, shared, s0, s1, part, m, n, pc, kc));
        }
    }

    /**
     * Packs rows {@code [s0, s1)} of A (or columns of B) for steps {@code [pc, pc + kc)}, the
     * threads taking equal runs of slivers.
     */
    private static void packShared(Parallel parallel, float[] dst, StridedMatrix operand, boolean isB,
                                   int s0, int s1, int pc, int kc) {
        int width = isB ? NR : MR, slivers = ceilDiv(s1 - s0, width);
        if (parallel.isSerial()) {
            packSlivers(0, slivers, dst, operand, isB, s0, s1, pc, kc);
        } else {
            parallel.forRange(slivers, 4, (from, to) -> packSlivers(from, to, dst, operand, isB, s0, s1, pc, kc));
        }
    }

    private static void packSlivers(int from, int to, float[] dst, StridedMatrix operand, boolean isB,
                                    int s0, int s1, int pc, int kc) {
        int width = isB ? NR : MR, lo = s0 + from * width, hi = Math.min(s1, s0 + to * width);
        if (isB) packB(dst, from * width * kc, operand, pc, kc, lo, hi - lo);
        else packA(dst, from * width * kc, operand, lo, hi - lo, pc, kc);
    }

    /**
     * Part {@code part} of C: a run of {@code nc} columns over rows {@code [s0, s1)}, its B
     * packed here and A shared ({@code byColumns}), or a run of {@code mc} rows over columns
     * {@code [s0, s1)}, its A packed here and B shared.
     */
    private void part(Product x, boolean byColumns, float[] shared, int s0, int s1, int part, int m, int n, int pc, int kc) {
        Workspace ws = WORKSPACES.get();
        if (byColumns) {
            int j0 = part * blocking.nc(), j1 = Math.min(n, j0 + blocking.nc());
            float[] bp = ws.b = Workspace.fit(ws.b, ceilDiv(j1 - j0, NR) * NR * kc);
            packB(bp, 0, x.b, pc, kc, j0, j1 - j0);
            tiles(ws, x, shared, s0, bp, j0, s0, s1, j0, j1, pc, kc);
        } else {
            int r0 = part * blocking.mc(), r1 = Math.min(m, r0 + blocking.mc());
            float[] ap = ws.a = Workspace.fit(ws.a, ceilDiv(r1 - r0, MR) * MR * kc);
            packA(ap, 0, x.a, r0, r1 - r0, pc, kc);
            tiles(ws, x, ap, r0, shared, s0, r0, r1, s0, s1, pc, kc);
        }
    }

    /**
     * The micro-tiles of C's rows {@code [r0, r1)} and columns {@code [j0, j1)} for k-block
     * {@code [pc, pc + kc)}, from A packed from row {@code aRow0} and B packed from column
     * {@code bCol0}. Column slivers outside, row slivers inside: one sliver of B is read from
     * cache by every row sliver in turn.
     */
    private static void tiles(Workspace ws, Product x, float[] ap, int aRow0, float[] bp, int bCol0,
                              int r0, int r1, int j0, int j1, int pc, int kc) {
        float[] cd = x.c.data();
        int ldc = x.c.rowStride();
        // The first k-block of an overwrite starts from the bias (a row repeated: row stride 0)
        // or from zeros; every other block from what C holds.
        boolean fresh = x.overwrite && pc == 0;
        float[] init = !fresh ? cd : x.row != null ? x.row : ZEROS;
        for (int jr = j0; jr < j1; jr += NR) {
            int bi = (jr - bCol0) * kc;
            for (int ir = r0; ir < r1; ir += MR) {
                int ai = (ir - aRow0) * kc;
                int ci = x.c.offset() + ir * ldc + jr;
                int ii = !fresh ? ci : x.row != null ? x.rowOffset + jr : 0, ldi = fresh ? 0 : ldc;
                if (ir + MR <= r1 && jr + NR <= j1) {
                    microKernel(ap, ai, bp, bi, kc, init, ii, ldi, cd, ci, ldc);
                } else {
                    edgeTile(ws.tile, ap, ai, bp, bi, kc, init, ii, ldi, cd, ci, ldc,
                            Math.min(MR, r1 - ir), Math.min(NR, j1 - jr));
                }
            }
        }
    }

    private static final float[] ZEROS = new float[NR];

    /**
     * Products with at most this many rows of C skip packing: {@link #thin}. Sampling feeds one
     * token at a time, so every product of the KV-cache decoder has a single row, and packing all
     * of {@code B} (the whole LM head, transposed) to use each number once costs more than the
     * arithmetic. {@code -Djdpo.matmul.thin=false} turns the path off (0), for benchmarking
     * against packing ({@code DecodeBench}).
     */
    static final int THIN_ROWS = thinRows(System.getProperty("jdpo.matmul.thin"));

    static int thinRows(String property) {
        if (property == null || property.trim().equals("true")) return 1;
        if (property.trim().equals("false")) return 0;
        throw new IllegalArgumentException("jdpo.matmul.thin must be true or false, got '" + property + "'");
    }

    /** Columns of C per group in {@link #thin}: the independent chains that hide FMA latency. */
    private static final int THIN_GROUP = 8;

    /**
     * {@code C (+)= A B} for a C of few rows, straight from {@code A} and {@code B} as they lie
     * in memory. Each element of C is the same chain of fused multiply-adds as in the blocked
     * path (from its old value, the bias or zero, in increasing {@code k}), so the numbers are
     * identical bit for bit. A row-major {@code B} is read a row at a time, {@value #NV} vectors
     * of columns per pass; a transposed {@code B} (each column contiguous) is read down
     * {@value #THIN_GROUP} columns at once, one scalar chain each.
     */
    private static void thin(Parallel parallel, StridedMatrix c, StridedMatrix a, StridedMatrix b, int m, int n, int k,
                             boolean overwrite, float[] row, int rowOffset) {
        int group = b.colStride() == 1 ? NR : THIN_GROUP;
        int groups = ceilDiv(n, group);
        if (parallel.isSerial()) thinGroups(0, groups, group, c, a, b, m, n, k, overwrite, row, rowOffset);
        else parallel.forRange(groups, 1, (from, to) -> thinGroups(from, to, group, c, a, b, m, n, k, overwrite, row, rowOffset));
    }

    /** Column groups {@code [from, to)} of {@code group} columns of C, every row of C, over all of k. */
    private static void thinGroups(int from, int to, int group, StridedMatrix c, StridedMatrix a, StridedMatrix b,
                                   int m, int n, int k, boolean overwrite, float[] row, int rowOffset) {
        int j0 = from * group, j1 = Math.min(n, to * group);
        for (int i = 0; i < m; i++) {
            int ci = c.offset() + i * c.rowStride();
            float[] cd = c.data();
            if (overwrite) {
                if (row == null) Arrays.fill(cd, ci + j0, ci + j1, 0f);
                else System.arraycopy(row, rowOffset + j0, cd, ci + j0, j1 - j0);
            }
            int ai = a.offset() + i * a.rowStride();
            if (b.colStride() == 1) thinRows(cd, ci, a.data(), ai, a.colStride(), b, j0, j1, k);
            else thinColumns(cd, ci, a.data(), ai, a.colStride(), b, j0, j1, k);
        }
    }

    /** {@code c[j] += sum_p a[p] B[p, j]} for {@code j} in {@code [j0, j1)}, row-major {@code B}. */
    private static void thinRows(float[] c, int ci, float[] a, int ai, int as, StridedMatrix b, int j0, int j1, int k) {
        float[] bd = b.data();
        int bo = b.offset(), rs = b.rowStride(), j = j0;
        for (; j + NR <= j1; j += NR) {
            FloatVector x0 = load(c, ci + j), x1 = load(c, ci + j + L), x2 = load(c, ci + j + 2 * L), x3 = load(c, ci + j + 3 * L);
            for (int p = 0; p < k; p++) {
                FloatVector v = FloatVector.broadcast(S, a[ai + p * as]);
                int bi = bo + p * rs + j;
                x0 = v.fma(load(bd, bi), x0); x1 = v.fma(load(bd, bi + L), x1);
                x2 = v.fma(load(bd, bi + 2 * L), x2); x3 = v.fma(load(bd, bi + 3 * L), x3);
            }
            x0.intoArray(c, ci + j); x1.intoArray(c, ci + j + L); x2.intoArray(c, ci + j + 2 * L); x3.intoArray(c, ci + j + 3 * L);
        }
        for (; j + L <= j1; j += L) {
            FloatVector x = load(c, ci + j);
            for (int p = 0; p < k; p++) x = FloatVector.broadcast(S, a[ai + p * as]).fma(load(bd, bo + p * rs + j), x);
            x.intoArray(c, ci + j);
        }
        for (; j < j1; j++) {
            float x = c[ci + j];
            for (int p = 0; p < k; p++) x = Math.fma(a[ai + p * as], bd[bo + p * rs + j], x);
            c[ci + j] = x;
        }
    }

    /** The same for a transposed {@code B}: column {@code j} is contiguous in {@code k}. */
    private static void thinColumns(float[] c, int ci, float[] a, int ai, int as, StridedMatrix b, int j0, int j1, int k) {
        float[] bd = b.data();
        int cs = b.colStride(), j = j0;
        for (; j + THIN_GROUP <= j1; j += THIN_GROUP) {
            int b0 = b.offset() + j * cs, b1 = b0 + cs, b2 = b1 + cs, b3 = b2 + cs, b4 = b3 + cs, b5 = b4 + cs, b6 = b5 + cs, b7 = b6 + cs;
            float x0 = c[ci + j], x1 = c[ci + j + 1], x2 = c[ci + j + 2], x3 = c[ci + j + 3];
            float x4 = c[ci + j + 4], x5 = c[ci + j + 5], x6 = c[ci + j + 6], x7 = c[ci + j + 7];
            for (int p = 0; p < k; p++) {
                float v = a[ai + p * as];
                x0 = Math.fma(v, bd[b0 + p], x0); x1 = Math.fma(v, bd[b1 + p], x1);
                x2 = Math.fma(v, bd[b2 + p], x2); x3 = Math.fma(v, bd[b3 + p], x3);
                x4 = Math.fma(v, bd[b4 + p], x4); x5 = Math.fma(v, bd[b5 + p], x5);
                x6 = Math.fma(v, bd[b6 + p], x6); x7 = Math.fma(v, bd[b7 + p], x7);
            }
            c[ci + j] = x0; c[ci + j + 1] = x1; c[ci + j + 2] = x2; c[ci + j + 3] = x3;
            c[ci + j + 4] = x4; c[ci + j + 5] = x5; c[ci + j + 6] = x6; c[ci + j + 7] = x7;
        }
        for (; j < j1; j++) {
            int bj = b.offset() + j * cs;
            float x = c[ci + j];
            for (int p = 0; p < k; p++) x = Math.fma(a[ai + p * as], bd[bj + p], x);
            c[ci + j] = x;
        }
    }

    /** {@code C = row} (or zeros) on a block: an overwrite with nothing to sum. */
    private static void fill(StridedMatrix c, int r0, int r1, int j0, int j1, float[] row, int rowOffset) {
        for (int i = r0; i < r1; i++) {
            int ci = c.offset() + i * c.rowStride();
            if (row == null) Arrays.fill(c.data(), ci + j0, ci + j1, 0f);
            else System.arraycopy(row, rowOffset + j0, c.data(), ci + j0, j1 - j0);
        }
    }

    /** A tile cut by the edge of C: computed whole in a scratch tile, only its valid part copied. */
    private static void edgeTile(float[] tile, float[] ap, int ai, float[] bp, int bi, int kc,
                                 float[] init, int ii, int ldi, float[] cd, int ci, int ldc, int rows, int cols) {
        Arrays.fill(tile, 0f);
        if (init != ZEROS) {
            for (int r = 0; r < rows; r++) System.arraycopy(init, ii + r * ldi, tile, r * NR, cols);
        }
        microKernel(ap, ai, bp, bi, kc, tile, 0, NR, tile, 0, NR);
        for (int r = 0; r < rows; r++) System.arraycopy(tile, r * NR, cd, ci + r * ldc, cols);
    }

    /**
     * Packs {@code B[pc : pc+kc, jc : jc+nc]} as slivers of {@link #NR} columns: element
     * {@code (p, j)} goes to {@code at + (j / NR) * NR * kc + p * NR + j % NR}; columns past
     * {@code nc} in the last sliver are zero.
     */
    static void packB(float[] dst, int at, StridedMatrix b, int pc, int kc, int jc, int nc) {
        float[] src = b.data();
        int rs = b.rowStride(), cs = b.colStride();
        int[] columnStarts = new int[L];
        for (int lane = 0; lane < L; lane++) columnStarts[lane] = lane * cs;
        for (int jr = 0; jr < nc; jr += NR) {
            int width = Math.min(NR, nc - jr), base = at + jr * kc;
            if (cs == 1) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(src, b.offset() + (pc + p) * rs + jc + jr, dst, base + p * NR, width);
                }
            } else {
                // Transposed B (row stride 1): each column is contiguous in memory. Take 16 steps
                // of p (one cache line of each column) at a time, so the lines being read stay in
                // L1; each row of the sliver is L columns gathered into one vector (one lane per
                // column, cs apart), then stored whole: about twice as fast as a number at a time.
                int whole = width / L * L;
                for (int p0 = 0; p0 < kc; p0 += 16) {
                    int steps = Math.min(16, kc - p0);
                    for (int j = 0; j < whole; j += L) {
                        int sj = b.offset() + pc + p0 + (jc + jr + j) * cs, d = base + p0 * NR + j;
                        for (int p = 0; p < steps; p++) FloatVector.fromArray(S, src, sj + p, columnStarts, 0).intoArray(dst, d + p * NR);
                    }
                    for (int j = whole; j < width; j++) {
                        int sj = b.offset() + pc + p0 + (jc + jr + j) * cs, d = base + p0 * NR + j;
                        for (int p = 0; p < steps; p++) dst[d + p * NR] = src[sj + p];
                    }
                }
            }
            if (width < NR) {
                for (int p = 0; p < kc; p++) Arrays.fill(dst, base + p * NR + width, base + (p + 1) * NR, 0f);
            }
        }
    }

    /**
     * Packs {@code A[ic : ic+mc, pc : pc+kc]} as slivers of {@link #MR} rows: element
     * {@code (i, p)} goes to {@code at + (i / MR) * MR * kc + p * MR + i % MR}; rows past
     * {@code mc} in the last sliver are zero.
     */
    static void packA(float[] dst, int at, StridedMatrix a, int ic, int mc, int pc, int kc) {
        float[] src = a.data();
        int rs = a.rowStride(), cs = a.colStride();
        // A whole sliver's numbers for L/2 steps of p lie 3L in a row in dst: 3 vectors, each
        // gathered from the MR rows of the sliver. Lane f of the three reads row f % MR at step
        // f / MR, whichever of A's strides is 1 (about 1.6x as fast as a number at a time).
        int[] lanes = new int[3 * L];
        for (int f = 0; f < lanes.length; f++) lanes[f] = (f % MR) * rs + (f / MR) * cs;
        int steps = L / 2, whole = mc / MR * MR, wholeK = kc / steps * steps;
        // A row-major A is read a sliver at a time, its rows front to back (one block of all the
        // steps). In a transposed A a step of p is a whole row of the original, lines far apart
        // in memory; so all the slivers take their turn within a block of L/2 steps while those
        // lines are in L1 (0.5 instead of 0.7 to 1.5 ns a number for x^T at GPT-2 shapes).
        int block = cs == 1 ? wholeK : steps;
        for (int p0 = 0; p0 < wholeK; p0 += block) {
            for (int i0 = 0; i0 < whole; i0 += MR) {
                int s0 = a.offset() + (ic + i0) * rs + pc * cs, d0 = at + i0 * kc;
                for (int p = p0; p < p0 + block; p += steps) {
                    int sp = s0 + p * cs, d = d0 + p * MR;
                    FloatVector.fromArray(S, src, sp, lanes, 0).intoArray(dst, d);
                    FloatVector.fromArray(S, src, sp, lanes, L).intoArray(dst, d + L);
                    FloatVector.fromArray(S, src, sp, lanes, 2 * L).intoArray(dst, d + 2 * L);
                }
            }
        }
        for (int i0 = 0; i0 < whole; i0 += MR) {
            int s0 = a.offset() + (ic + i0) * rs + pc * cs, d0 = at + i0 * kc;
            for (int p = wholeK; p < kc; p++) {
                for (int r = 0; r < MR; r++) dst[d0 + p * MR + r] = src[s0 + r * rs + p * cs];
            }
        }
        for (int i = whole; i < mc; i++) {
            int sr = a.offset() + (ic + i) * rs + pc * cs, d = at + (i / MR) * MR * kc + i % MR;
            for (int p = 0; p < kc; p++) dst[d + p * MR] = src[sr + p * cs];
        }
        int padded = ceilDiv(mc, MR) * MR;
        for (int i = mc; i < padded; i++) {
            int d = at + (i / MR) * MR * kc + i % MR;
            for (int p = 0; p < kc; p++) dst[d + p * MR] = 0f;
        }
    }

    /**
     * {@code C[0:MR, 0:NR] = Init + Ap Bp} over {@code kc} steps, {@code C} at
     * {@code c[ci + r * ldc + j]} and {@code Init} at {@code init[ii + r * ldi + j]} (C itself, or
     * a bias row with {@code ldi = 0}): per step, {@value #NV} vectors of the B sliver, and each
     * of the {@value #MR} numbers of the A sliver broadcast and multiply-added into a row of
     * accumulators. The 24 accumulators are written out as named locals because that is what the
     * JIT keeps in registers (AVX-512 has 32).
     */
    static void microKernel(float[] ap, int ai, float[] bp, int bi, int kc,
                            float[] init, int ii, int ldi, float[] c, int ci, int ldc) {
        int i0 = ii, i1 = ii + ldi, i2 = ii + 2 * ldi, i3 = ii + 3 * ldi, i4 = ii + 4 * ldi, i5 = ii + 5 * ldi;
        FloatVector x00 = load(init, i0), x01 = load(init, i0 + L), x02 = load(init, i0 + 2 * L), x03 = load(init, i0 + 3 * L);
        FloatVector x10 = load(init, i1), x11 = load(init, i1 + L), x12 = load(init, i1 + 2 * L), x13 = load(init, i1 + 3 * L);
        FloatVector x20 = load(init, i2), x21 = load(init, i2 + L), x22 = load(init, i2 + 2 * L), x23 = load(init, i2 + 3 * L);
        FloatVector x30 = load(init, i3), x31 = load(init, i3 + L), x32 = load(init, i3 + 2 * L), x33 = load(init, i3 + 3 * L);
        FloatVector x40 = load(init, i4), x41 = load(init, i4 + L), x42 = load(init, i4 + 2 * L), x43 = load(init, i4 + 3 * L);
        FloatVector x50 = load(init, i5), x51 = load(init, i5 + L), x52 = load(init, i5 + 2 * L), x53 = load(init, i5 + 3 * L);
        for (int p = 0; p < kc; p++) {
            int a = ai + p * MR, b = bi + p * NR;
            FloatVector b0 = load(bp, b), b1 = load(bp, b + L), b2 = load(bp, b + 2 * L), b3 = load(bp, b + 3 * L);
            FloatVector v = FloatVector.broadcast(S, ap[a]);
            x00 = v.fma(b0, x00); x01 = v.fma(b1, x01); x02 = v.fma(b2, x02); x03 = v.fma(b3, x03);
            v = FloatVector.broadcast(S, ap[a + 1]);
            x10 = v.fma(b0, x10); x11 = v.fma(b1, x11); x12 = v.fma(b2, x12); x13 = v.fma(b3, x13);
            v = FloatVector.broadcast(S, ap[a + 2]);
            x20 = v.fma(b0, x20); x21 = v.fma(b1, x21); x22 = v.fma(b2, x22); x23 = v.fma(b3, x23);
            v = FloatVector.broadcast(S, ap[a + 3]);
            x30 = v.fma(b0, x30); x31 = v.fma(b1, x31); x32 = v.fma(b2, x32); x33 = v.fma(b3, x33);
            v = FloatVector.broadcast(S, ap[a + 4]);
            x40 = v.fma(b0, x40); x41 = v.fma(b1, x41); x42 = v.fma(b2, x42); x43 = v.fma(b3, x43);
            v = FloatVector.broadcast(S, ap[a + 5]);
            x50 = v.fma(b0, x50); x51 = v.fma(b1, x51); x52 = v.fma(b2, x52); x53 = v.fma(b3, x53);
        }
        int c0 = ci, c1 = ci + ldc, c2 = ci + 2 * ldc, c3 = ci + 3 * ldc, c4 = ci + 4 * ldc, c5 = ci + 5 * ldc;
        x00.intoArray(c, c0); x01.intoArray(c, c0 + L); x02.intoArray(c, c0 + 2 * L); x03.intoArray(c, c0 + 3 * L);
        x10.intoArray(c, c1); x11.intoArray(c, c1 + L); x12.intoArray(c, c1 + 2 * L); x13.intoArray(c, c1 + 3 * L);
        x20.intoArray(c, c2); x21.intoArray(c, c2 + L); x22.intoArray(c, c2 + 2 * L); x23.intoArray(c, c2 + 3 * L);
        x30.intoArray(c, c3); x31.intoArray(c, c3 + L); x32.intoArray(c, c3 + 2 * L); x33.intoArray(c, c3 + 3 * L);
        x40.intoArray(c, c4); x41.intoArray(c, c4 + L); x42.intoArray(c, c4 + 2 * L); x43.intoArray(c, c4 + 3 * L);
        x50.intoArray(c, c5); x51.intoArray(c, c5 + L); x52.intoArray(c, c5 + 2 * L); x53.intoArray(c, c5 + 3 * L);
    }

    private static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
