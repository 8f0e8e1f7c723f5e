package jdpo.io;

/**
 * Something the user gave jdpo is wrong: a file, a line of it, a tensor, a flag. The message is
 * one line that names the culprit (file, line or tensor) and what is wrong with it; the command
 * line prints it as it is and exits non-zero, without a stack trace.
 */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
