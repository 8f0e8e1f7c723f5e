package jdpo.cli;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** train's hint: printed when the loss is still within 1% of ln 2 after the warm-up, and only then. */
class FlatLossHintTest {
    private static final double LN2 = Math.log(2);

    @Test
    void aLossThatBarelyMovedGetsTheHint() {
        assertNotNull(TrainCommand.flatLossHint(LN2 - 0.0003, 30)); // TRL's lr 1e-6 on the tiny model
        assertNotNull(TrainCommand.flatLossHint(LN2 * 1.009, 30));
        assertNotNull(TrainCommand.flatLossHint(LN2 * 0.991, 30));
    }

    @Test
    void aLossThatMovedGetsNone() {
        assertNull(TrainCommand.flatLossHint(LN2 * 1.011, 30));
        assertNull(TrainCommand.flatLossHint(LN2 * 0.989, 30));
        assertNull(TrainCommand.flatLossHint(0.35, 30));
        assertNull(TrainCommand.flatLossHint(Double.NaN, 30));
    }
}
