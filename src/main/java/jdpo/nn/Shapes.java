package jdpo.nn;

import jdpo.tensor.Tensor;

import java.util.Arrays;

/** The shape checks the ops share, so every mismatch reads the same way. */
final class Shapes {
    private Shapes() {}

    /** Fails unless {@code t} holds exactly {@code size} numbers. */
    static void requireSize(String op, String name, Tensor t, long size) {
        if (t.size() != size) {
            throw new IllegalArgumentException(op + ": " + name + " " + Arrays.toString(t.shape())
                    + " has " + t.size() + " elements, expected " + size);
        }
    }

    /** Fails unless {@code a} and {@code b} have the same shape. */
    static void requireSameShape(String op, String aName, Tensor a, String bName, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + ": " + aName + " " + Arrays.toString(a.shape())
                    + " and " + bName + " " + Arrays.toString(b.shape()) + " must have the same shape");
        }
    }

    /** Fails unless {@code t} has rank {@code rank}. */
    static void requireRank(String op, String name, Tensor t, int rank, String expected) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + name + " is " + Arrays.toString(t.shape())
                    + ", expected " + expected);
        }
    }

    /** Fails unless {@code targets} has one entry per row and each is below {@code v} (negative = ignored). */
    static void requireTargets(String op, int[] targets, int rows, int v) {
        if (targets.length != rows) {
            throw new IllegalArgumentException(op + ": " + targets.length + " targets for " + rows + " rows of logits");
        }
        for (int n = 0; n < rows; n++) {
            if (targets[n] >= v) {
                throw new IllegalArgumentException(op + ": target " + targets[n] + " at row " + n
                        + " is outside the vocabulary of " + v);
            }
        }
    }
}
