package jdpo.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The same ids as an independent GPT-2 encoder, JTokkit's {@code r50k_base} (ordinary encoding:
 * the special token is plain text there too), on seeded random text of every kind and on long
 * repeats.
 */
class Gpt2AgainstJTokkitTest {

    private static final Encoding R50K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private final Tokenizer gpt2 = Gpt2Vocabulary.tokenizer();

    @TestFactory
    List<DynamicTest> randomTextEncodesAsR50kBase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (long seed = 1; seed <= 1200; seed++) {
            String text = new TextGenerator(seed).next(seed % 10 == 0 ? 60 : 12);
            tests.add(DynamicTest.dynamicTest("seed=" + seed + " chars=" + text.length(), () -> check(text)));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> longRepeatsEncodeAsR50kBase() {
        String[] units = {"a", " ", "\n", "ab", " the", "0", "!", "你", "👩‍👩‍👧", "'s", " \t", "é", "\u0301", "  x"};
        List<DynamicTest> tests = new ArrayList<>();
        for (String unit : units) {
            for (int times : new int[] {2, 17, 300, 5000}) {
                String text = unit.repeat(times);
                tests.add(DynamicTest.dynamicTest(TokenizerFiles.quote(unit) + " x" + times, () -> check(text)));
            }
        }
        return tests;
    }

    private void check(String text) {
        assertArrayEquals(R50K.encodeOrdinary(text).toArray(), gpt2.encode(text), () -> TokenizerFiles.quote(text));
    }
}
