package jdpo.io;

import java.io.IOException;

/** A step that writes to a path and may fail with an {@link IOException}. */
@FunctionalInterface
public interface IoConsumer<T> {
    void accept(T t) throws IOException;
}
