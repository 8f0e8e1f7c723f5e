package jdpo.tensor;

import java.util.Arrays;

/**
 * A block of float32 numbers with a row-major shape.
 *
 * <p>A tensor is a window {@code [offset, offset + size)} onto a {@code float[]}. Views such as
 * {@link #row(int)} share the array: writing through a view writes the parent. There are no
 * strides; every view is contiguous, so layouts are chosen to make the slices a reader needs
 * (a row, a head) contiguous.
 */
public final class Tensor {
    /** The backing array, shared by every view of it. */
    public final float[] data;
    /** Index in {@link #data} of this tensor's first element. */
    public final int offset;
    private final int[] shape;
    private final int size;

    private Tensor(float[] data, int offset, int[] shape) {
        this.shape = shape.clone();
        this.size = checkedSize(this.shape);
        if (offset < 0 || (long) offset + size > data.length) {
            throw new IllegalArgumentException("view [" + offset + ", " + ((long) offset + size)
                    + ") outside an array of " + data.length);
        }
        this.data = data;
        this.offset = offset;
    }

    /** A new tensor of zeros. */
    public static Tensor zeros(int... shape) {
        return new Tensor(new float[checkedSize(shape)], 0, shape);
    }

    /** Wraps {@code data} (not copied) with the given shape, which must cover it exactly. */
    public static Tensor of(float[] data, int... shape) {
        if (checkedSize(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds "
                    + checkedSize(shape) + " numbers, array has " + data.length);
        }
        return new Tensor(data, 0, shape);
    }

    /** Numbers drawn from N(0, std^2) by the given generator. */
    public static Tensor randn(Rng rng, float std, int... shape) {
        Tensor t = zeros(shape);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) (rng.nextGaussian() * std);
        return t;
    }

    /** Numbers drawn uniformly from [lo, hi) by the given generator. */
    public static Tensor uniform(Rng rng, float lo, float hi, int... shape) {
        Tensor t = zeros(shape);
        for (int i = 0; i < t.size; i++) t.data[i] = lo + (hi - lo) * rng.nextFloat();
        return t;
    }

    private static int checkedSize(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large for one array");
            }
        }
        return (int) n;
    }

    /** Number of elements. */
    public int size() { return size; }

    /** Number of dimensions. */
    public int rank() { return shape.length; }

    /** Length of dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    /** A copy of the shape. */
    public int[] shape() { return shape.clone(); }

    /** True when both tensors have the same shape. */
    public boolean sameShape(Tensor other) { return Arrays.equals(shape, other.shape); }

    /** Slice {@code i} along the first dimension: shape {@code shape[1:]}, no copy. */
    public Tensor row(int i) {
        if (shape.length == 0) throw new IllegalStateException("a scalar has no rows");
        if (i < 0 || i >= shape[0]) {
            throw new IndexOutOfBoundsException("row " + i + " of " + Arrays.toString(shape));
        }
        int[] rest = Arrays.copyOfRange(shape, 1, shape.length);
        return new Tensor(data, offset + i * (size / shape[0]), rest);
    }

    /** Rows {@code [from, to)} along the first dimension, no copy. */
    public Tensor rows(int from, int to) {
        if (from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + Arrays.toString(shape));
        }
        int[] s = shape.clone();
        s[0] = to - from;
        int stride = shape[0] == 0 ? 0 : size / shape[0];
        return new Tensor(data, offset + from * stride, s);
    }

    /** The same numbers seen with another shape of equal size, no copy. */
    public Tensor reshape(int... newShape) {
        if (checkedSize(newShape) != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape)
                    + " to " + Arrays.toString(newShape));
        }
        return new Tensor(data, offset, newShape);
    }

    /** Element at flat index {@code i} (row-major). */
    public float at(int i) {
        return data[offset + checkIndex(i)];
    }

    /** Sets the element at flat index {@code i}. */
    public void put(int i, float v) {
        data[offset + checkIndex(i)] = v;
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException(i + " of " + size);
        return i;
    }

    /** Element at a multi-index; for reading and tests, not for hot loops. */
    public float get(int... idx) { return data[offset + flatIndex(idx)]; }

    /** Sets the element at a multi-index; for tests and setup, not for hot loops. */
    public void set(float v, int... idx) { data[offset + flatIndex(idx)] = v; }

    private int flatIndex(int[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException(idx.length + " indices for shape " + Arrays.toString(shape));
        }
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            if (idx[d] < 0 || idx[d] >= shape[d]) {
                throw new IndexOutOfBoundsException(Arrays.toString(idx) + " in " + Arrays.toString(shape));
            }
            flat = flat * shape[d] + idx[d];
        }
        return flat;
    }

    /** Sets every element to zero. */
    public Tensor zero() { return fill(0f); }

    /** Sets every element to {@code v}. */
    public Tensor fill(float v) {
        Arrays.fill(data, offset, offset + size, v);
        return this;
    }

    /** Copies {@code src} (same size) into this tensor. */
    public Tensor copyFrom(Tensor src) {
        requireSize(src);
        System.arraycopy(src.data, src.offset, data, offset, size);
        return this;
    }

    /** this += src, element by element (same size). */
    public Tensor addFrom(Tensor src) {
        requireSize(src);
        for (int i = 0; i < size; i++) data[offset + i] += src.data[src.offset + i];
        return this;
    }

    /** this *= s. */
    public Tensor scale(float s) {
        for (int i = 0; i < size; i++) data[offset + i] *= s;
        return this;
    }

    private void requireSize(Tensor other) {
        if (other.size != size) {
            throw new IllegalArgumentException("size " + other.size + " " + Arrays.toString(other.shape)
                    + " does not match " + size + " " + Arrays.toString(shape));
        }
    }

    /** A new tensor with its own array holding the same numbers. */
    public Tensor copy() {
        return Tensor.of(toArray(), shape);
    }

    /** The elements as a new array. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size);
    }

    /** Sum of squares, in double. */
    public double sumOfSquares() {
        double s = 0;
        for (int i = 0; i < size; i++) {
            double v = data[offset + i];
            s += v * v;
        }
        return s;
    }

    /** True when every element is finite. */
    public boolean allFinite() {
        for (int i = 0; i < size; i++) if (!Float.isFinite(data[offset + i])) return false;
        return true;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
