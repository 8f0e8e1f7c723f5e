package jdpo.dpo;

/** Training produced a NaN or infinite loss or gradient; the step is named, nothing was saved from it. */
public final class NonFiniteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NonFiniteException(String message) {
        super(message);
    }
}
