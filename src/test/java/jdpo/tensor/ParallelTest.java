package jdpo.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Parallel#forEachPart}: every part once, a slow thread taking fewer, failures passed on. */
class ParallelTest {

    @Test
    void everyPartRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel parallel = new Parallel(threads)) {
                for (int parts : new int[] {0, 1, 2, 3, 7, 1000}) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(parts, 1));
                    parallel.forEachPart(parts, runs::incrementAndGet);
                    for (int i = 0; i < parts; i++) {
                        assertEquals(1, runs.get(i), "part " + i + " of " + parts + ", " + threads + " thread(s)");
                    }
                }
            }
        }
    }

    /**
     * Part 0 waits until every other part is done, so its thread is stuck while the other thread
     * must take all the rest. An even split fixed in advance would leave half of them waiting
     * behind part 0 and never finish.
     */
    @Test
    void aBusyThreadLeavesTheRemainingPartsToTheOther() throws InterruptedException {
        int parts = 9;
        CountDownLatch othersDone = new CountDownLatch(parts - 1);
        boolean[] part0SawThemAll = new boolean[1];
        try (Parallel parallel = new Parallel(2)) {
            parallel.forEachPart(parts, i -> {
                if (i == 0) {
                    try {
                        part0SawThemAll[0] = othersDone.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                } else {
                    othersDone.countDown();
                }
            });
        }
        assertTrue(part0SawThemAll[0], "the other parts did not all run while part 0 waited");
    }

    @Test
    void aFailingPartFailsTheCall() {
        try (Parallel parallel = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> parallel.forEachPart(8, i -> {
                if (i == 5) throw new IllegalStateException("part 5 failed");
            }));
            assertEquals("part 5 failed", e.getMessage());
        }
    }
}
