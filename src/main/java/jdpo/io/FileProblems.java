package jdpo.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** Turns an {@link IOException} about a file the user named into one readable line. */
public final class FileProblems {
    private FileProblems() {}

    static BadInputException reading(Path file, IOException e) {
        return new BadInputException(file + ": cannot read: " + reason(e), e);
    }

    static BadInputException writing(Path file, IOException e) {
        return new BadInputException(file + ": cannot write: " + reason(e), e);
    }

    /** Why {@code e} happened, in a few words on one line ("permission denied", "not a directory"). */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NotDirectoryException) return "not a directory";
        if (e instanceof FileSystemException) {
            String r = ((FileSystemException) e).getReason();
            if (r != null) return Json.oneLine(r);
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + Json.oneLine(e.getMessage()));
    }
}
