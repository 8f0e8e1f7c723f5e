package jdpo.tensor;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Parallelism in jdpo, two ways. {@link #forRange} splits a range of rows into {@code threads}
 * contiguous chunks and runs each chunk on its own thread; the split depends only on the range
 * and the thread count, so a fixed thread count gives bit-identical results run after run.
 * {@link #forEachPart} hands out parts fixed by the caller to whichever thread is free next: the
 * matrix products use it, because on a shared machine one core can run a third slower than the
 * other for seconds at a time, and an even split then waits for the slow core.
 *
 * <p>With one thread everything runs inline on the caller, which is what a debugger wants. Every
 * parallel loop in jdpo keeps its body in a named method over a range ({@code ...Rows(from, to,
 * ...)}) and calls it directly when {@link #isSerial()}; only with more threads does a lambda
 * (a synthetic {@code lambda$...} frame) stand between the caller and the arithmetic:
 * <pre>
 *   if (parallel.isSerial()) linearForwardRows(0, m, y, x, w, b);
 *   else parallel.forRange(m, (from, to) -&gt; linearForwardRows(from, to, y, x, w, b));
 * </pre>
 */
public final class Parallel implements AutoCloseable {

    /** Work on rows {@code [from, to)}. */
    @FunctionalInterface
    public interface Chunk {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    /** @param threads number of threads, 1 or more; the caller's thread is one of them */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "jdpo-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** A single-threaded instance, shared. */
    public static final Parallel SERIAL = new Parallel(1);

    /** All the cores the JVM sees. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() { return threads; }

    /** True with one thread: callers then run their loop body directly, with no lambda in between. */
    public boolean isSerial() { return threads == 1; }

    /**
     * Runs {@code chunk} over {@code [0, n)} split into at most {@code threads} contiguous parts,
     * and returns when all are done. Parts smaller than {@code minChunk} rows are not worth a
     * thread, so fewer parts are used for small {@code n}.
     */
    public void forRange(int n, int minChunk, Chunk chunk) {
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, minChunk)));
        if (parts <= 1 || pool == null) {
            if (n > 0) chunk.run(0, n);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = bound(n, parts, p), to = bound(n, parts, p + 1);
            futures[p - 1] = pool.submit(() -> chunk.run(from, to));
        }
        chunk.run(0, bound(n, parts, 1));
        await(futures);
    }

    /**
     * Runs {@code part.accept(i)} for every {@code i} in {@code [0, parts)} and returns when all
     * are done. Each thread takes the next part nobody has taken yet, so a thread slowed by other
     * work on its core simply takes fewer. Which thread runs which part changes from run to run:
     * only parts that write disjoint results and compute each number within one part (as the
     * products' tiles do) give the same bits whatever the threads.
     */
    public void forEachPart(int parts, IntConsumer part) {
        if (parts <= 1 || pool == null) {
            for (int i = 0; i < parts; i++) part.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) part.accept(i);
        };
        Future<?>[] futures = new Future<?>[Math.min(threads, parts) - 1];
        for (int t = 0; t < futures.length; t++) futures[t] = pool.submit(worker);
        worker.run();
        await(futures);
    }

    private static void await(Future<?>[] futures) {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a worker", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException) throw (RuntimeException) cause;
                if (cause instanceof Error) throw (Error) cause;
                throw new IllegalStateException(cause);
            }
        }
    }

    /** {@link #forRange(int, int, Chunk)} with no minimum chunk size. */
    public void forRange(int n, Chunk chunk) {
        forRange(n, 1, chunk);
    }

    private static int bound(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
