package jdpo.tensor;

import java.util.Arrays;

/**
 * Reads a tensor of any rank as a matrix: its last dimension is the columns and all leading
 * dimensions together are the rows, so {@code x [B, T, C]} is the matrix {@code [B*T, C]}.
 * The kernels check their operands with it so a wrong shape fails loudly, not silently.
 */
public final class MatrixShapes {
    private MatrixShapes() {}

    /** Columns: the last dimension. */
    public static int cols(Tensor t) {
        return t.rank() == 0 ? 1 : t.dim(-1);
    }

    /** Rows: the product of all leading dimensions. */
    public static int rows(Tensor t) {
        int c = cols(t);
        return c == 0 ? 0 : t.size() / c;
    }

    /** Fails unless {@code t} is a matrix of {@code rows x cols}. */
    public static void require(String op, String name, Tensor t, int rows, int cols) {
        if (rows(t) != rows || cols(t) != cols) {
            throw new IllegalArgumentException(op + ": " + name + " is " + Arrays.toString(t.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
    }
}
