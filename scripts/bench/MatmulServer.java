import jdpo.tensor.Kernels;
import jdpo.tensor.MatmulBenchmark;
import jdpo.tensor.Parallel;
import jdpo.tensor.Rng;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * jdpo's side of {@code matmul_side_by_side.py}: times the vector kernels' products one request
 * at a time, so that the script can take turns with numpy in the same seconds.
 *
 * <p>Run from the repository root, after {@code ./jdpo --version} has built the jar:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp target/jdpo.jar scripts/bench/MatmulServer.java THREADS
 * </pre>
 * It prints {@code ready}, then reads lines {@code OP M K N SECONDS} (OP one of
 * {@link MatmulBenchmark#gpt2Cases}'s products) and answers each with one line: the GFLOP/s of
 * whole calls repeated for at least SECONDS (at least one call). Each shape's operands are made
 * on its first request and kept. An empty line or end of input stops it.
 */
public class MatmulServer {
    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        Map<String, Runnable> calls = new HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Parallel parallel = new Parallel(threads)) {
            Kernels kernels = Kernels.of("vector", parallel);
            System.out.println("ready");
            System.out.flush();
            for (String line = in.readLine(); line != null && !line.isBlank(); line = in.readLine()) {
                String[] f = line.trim().split("\\s+");
                MatmulBenchmark.Case c = new MatmulBenchmark.Case(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]));
                double seconds = Double.parseDouble(f[4]);
                Runnable call = calls.computeIfAbsent(c.toString(), key -> MatmulBenchmark.product(kernels, c, new Rng(42)));
                long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
                int n = 0;
                do {
                    call.run();
                    n++;
                } while (System.nanoTime() < end);
                double elapsed = (System.nanoTime() - start) / 1e9;
                System.out.println(n * c.flops() / elapsed / 1e9);
                System.out.flush();
            }
        }
    }
}
