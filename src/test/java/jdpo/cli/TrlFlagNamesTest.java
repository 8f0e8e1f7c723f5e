package jdpo.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TRL's flag names: each is rewritten to a flag the command has, in both spellings of a value. */
class TrlFlagNamesTest {

    @Test
    void everyAliasNamesAnOptionOfItsCommand() {
        CommandLine cli = new CommandLine(new Main());
        for (String command : new String[] {"train", "score", "sft"}) {
            var spec = cli.getSubcommands().get(command).getCommandSpec();
            for (String pair : TrlFlagNames.help(command).split(", ")) {
                String[] names = pair.split(" = ");
                assertNotNull(spec.findOption(names[1]), command + ": " + pair);
                assertEquals(null, spec.findOption(names[0]), command + ": " + names[0] + " is not a name of its own");
            }
        }
    }

    @Test
    void bothValueSpellingsAreRewrittenOnlyForTheCommandsOptions() {
        assertArrayEquals(new String[] {"train", "--lr", "1e-6", "--batch-size=4", "--prompt", "x"},
                TrlFlagNames.translate(new String[] {"train", "--learning_rate", "1e-6", "--per_device_train_batch_size=4", "--prompt", "x"}));
        assertArrayEquals(new String[] {"score", "--batch-size", "2"},
                TrlFlagNames.translate(new String[] {"score", "--per_device_eval_batch_size", "2"}));
        assertArrayEquals(new String[] {"train", "--eval-batch-size", "2"},
                TrlFlagNames.translate(new String[] {"train", "--per_device_eval_batch_size", "2"}));
        assertArrayEquals(new String[] {"generate", "--learning_rate"}, TrlFlagNames.translate(new String[] {"generate", "--learning_rate"}));
        assertArrayEquals(new String[] {"train", "--", "--learning_rate"}, TrlFlagNames.translate(new String[] {"train", "--", "--learning_rate"}));
    }

    @Test
    void trainHelpListsTheAliases() {
        Cli help = Cli.run("train", "--help");
        assertEquals(0, help.exitCode, help.toString());
        String text = help.out.replaceAll("\\s+", " ");  // the help wraps lines
        assertTrue(text.contains("--learning_rate = --lr") && text.contains("--num_train_epochs = --epochs"), help.out);
    }
}
