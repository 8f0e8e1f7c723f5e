package jdpo.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's bookkeeping, on shapes small enough to time in milliseconds (speed itself is never asserted). */
class MatmulBenchmarkTest {

    @Test
    void gpt2CasesAreEveryProductOfEveryLayerAndTheLmHead() {
        List<MatmulBenchmark.Case> cases = MatmulBenchmark.gpt2Cases(512);
        assertEquals(15, cases.size());
        assertEquals(new MatmulBenchmark.Case("linearForward", 512, 768, 2304), cases.get(0));
        assertEquals(new MatmulBenchmark.Case("lmHeadBackwardWeight", 512, 768, 50257), cases.get(14));
        assertEquals(2.0 * 512 * 768 * 2304, cases.get(0).flops());
    }

    @Test
    void runTimesEveryCaseKernelAndThreadCountWithTheRowsAskedFor() {
        List<MatmulBenchmark.Case> cases = new ArrayList<>();
        for (String op : MatmulBenchmark.LINEAR_OPS) cases.add(new MatmulBenchmark.Case(op, 99, 9, 17));
        for (String op : MatmulBenchmark.LM_HEAD_OPS) cases.add(new MatmulBenchmark.Case(op, 99, 9, 33));
        List<MatmulBenchmark.Result> heard = new ArrayList<>();
        List<MatmulBenchmark.Result> results = new MatmulBenchmark(0.001, 0.001).run(cases, List.of("scalar", "vector"),
                List.of(1, 2), (kernel, c) -> kernel.equals("scalar") ? MatmulBenchmark.scalarRows(c, 16) : 5, heard::add);
        assertEquals(cases.size() * 2 * 2, results.size());
        assertEquals(results, heard);
        for (MatmulBenchmark.Result r : results) {
            boolean lmHead = MatmulBenchmark.LM_HEAD_OPS.contains(r.shape().op());
            assertEquals(r.kernel().equals("vector") ? 5 : lmHead ? 2 : 16, r.shape().m(), r.toString());
            assertTrue(r.iterations() >= 1 && r.seconds() > 0, r.toString());
            assertEquals(r.iterations() * r.shape().flops() / r.seconds() / 1e9, r.gflops(), 1e-9 * r.gflops());
        }
    }
}
