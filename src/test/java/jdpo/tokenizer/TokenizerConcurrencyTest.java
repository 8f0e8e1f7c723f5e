package jdpo.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Threads sharing one tokenizer (and its cache, empty at the start) get the ids one thread gets. */
class TokenizerConcurrencyTest {

    @Test
    void sharedTokenizerEncodesAsASingleThread(@TempDir Path dir) throws Exception {
        Tokenizer reference = BpeTrainer.train(List.of(new TextGenerator(3).next(200)), 400);
        reference.save(dir);
        Tokenizer shared = Tokenizer.load(dir);
        List<String> texts = new ArrayList<>();
        TextGenerator gen = new TextGenerator(4);
        for (int k = 0; k < 400; k++) texts.add(gen.next(15));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<int[]>>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t * 97;
                results.add(pool.submit(() -> {
                    List<int[]> ids = new ArrayList<>();
                    for (int k = 0; k < texts.size(); k++) ids.add(shared.encode(texts.get((k + offset) % texts.size())));
                    return ids;
                }));
            }
            for (int t = 0; t < 4; t++) {
                List<int[]> ids = results.get(t).get();
                for (int k = 0; k < texts.size(); k++) {
                    assertArrayEquals(reference.encode(texts.get((k + t * 97) % texts.size())), ids.get(k));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
