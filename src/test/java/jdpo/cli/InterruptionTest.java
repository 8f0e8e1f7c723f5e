package jdpo.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The first signal asks the loop to stop after its step; a second one stops the process at once. */
class InterruptionTest {
    @Test
    void firstSignalIsAFlagAndTheSecondHaltsAtOnce() {
        List<Integer> halted = new ArrayList<>();
        StringWriter text = new StringWriter();
        Interruption i = new Interruption(new PrintWriter(text, true), halted::add);
        i.check("not yet"); // no signal: nothing happens
        i.received("INT");
        assertTrue(i.requested());
        assertEquals(List.of(), halted, "the first signal lets the step finish");
        Interruption.Interrupted e = assertThrows(Interruption.Interrupted.class, () -> i.check("saved step 3"));
        assertEquals(130, e.exitCode);
        assertEquals("interrupted (SIGINT): saved step 3", e.getMessage());
        i.received("INT");
        assertEquals(List.of(130), halted, "the second signal halts with the signal's code");
        assertTrue(text.toString().contains("second SIGINT: stopping at once"), text.toString());
    }

    @Test
    void eachSignalHasTheShellsExitCode() {
        assertEquals(130, new Interruption.Interrupted("INT", "x").exitCode);
        assertEquals(143, new Interruption.Interrupted("TERM", "x").exitCode);
        assertEquals(129, new Interruption.Interrupted("HUP", "x").exitCode);
    }
}
