package jdpo;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Test resources as paths. The fixtures are made by {@code scripts/reference/make_fixtures.py}. */
public final class TestFiles {
    private TestFiles() {}

    public static Path resource(String path) {
        URL url = TestFiles.class.getResource("/" + path);
        if (url == null) {
            throw new IllegalStateException("test resource " + path + " missing; fixtures are made by scripts/reference/make_fixtures.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
