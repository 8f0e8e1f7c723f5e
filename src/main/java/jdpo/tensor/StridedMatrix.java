package jdpo.tensor;

/**
 * A matrix read out of a flat array through two strides: element {@code (r, c)} is
 * {@code data[offset + r * rowStride + c * colStride]}. Swapping the strides transposes the
 * matrix without moving a number, which is how the six {@link Kernels} products become one
 * {@code C += A B}: {@code w^T}, {@code x^T} and {@code wte^T} are just views. Attention
 * reads a head's q, k and v as views of the same kind: every {@code 3C}-th run of {@code hs}
 * numbers of {@code qkv}.
 */
public record StridedMatrix(float[] data, int offset, int rowStride, int colStride) {

    /** One of the strides is 1: the matrix is a row-major array or the transpose of one. */
    public StridedMatrix {
        if (rowStride != 1 && colStride != 1) {
            throw new IllegalArgumentException("one stride must be 1, got " + rowStride + " and " + colStride);
        }
    }

    /** A row-major {@code [rows, cols]} tensor as a matrix. */
    static StridedMatrix of(Tensor t) {
        return new StridedMatrix(t.data, t.offset, MatrixShapes.cols(t), 1);
    }

    /** The transpose of a row-major {@code [rows, cols]} tensor, as a matrix {@code [cols, rows]}. */
    static StridedMatrix transposeOf(Tensor t) {
        return new StridedMatrix(t.data, t.offset, 1, MatrixShapes.cols(t));
    }

    /** The same matrix without its first {@code row} rows and {@code col} columns. */
    public StridedMatrix from(int row, int col) {
        return new StridedMatrix(data, offset + row * rowStride + col * colStride, rowStride, colStride);
    }

    /** The transpose: the same numbers, the strides swapped. */
    public StridedMatrix transpose() {
        return new StridedMatrix(data, offset, colStride, rowStride);
    }

    /** The element at row {@code i}, column {@code j}. */
    float get(int i, int j) {
        return data[offset + i * rowStride + j * colStride];
    }

    void set(int i, int j, float x) {
        data[offset + i * rowStride + j * colStride] = x;
    }
}
