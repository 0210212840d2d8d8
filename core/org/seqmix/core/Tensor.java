package org.seqmix.core;

import java.util.Arrays;

/**
 * A float32 n-dimensional array: a {@code float[]} with an offset, a shape and strides (in elements).
 * Views ({@link #slice}, {@link #select}, {@link #permute}, {@link #reshape} where the layout allows)
 * share the data; {@link #contiguous()} and {@link #copy()} do not.
 *
 * <p>Kernels take the raw array, {@link #offset()} and strides of a contiguous tensor, so hot loops never
 * go through {@link #get}.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final int[] shape;
    private final int[] strides;

    private Tensor(float[] data, int offset, int[] shape, int[] strides) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /** A new zero-filled tensor. */
    public static Tensor zeros(int... shape) {
        long n = Shapes.numel("shape", shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n + " elements; at most 2^31-9 fit one tensor");
        }
        return new Tensor(new float[(int) n], 0, shape.clone(), contiguousStrides(shape));
    }

    /** Wraps {@code data} (not copied) as a contiguous tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        long n = Shapes.numel("shape", shape);
        if (n != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " elements but shape " + Arrays.toString(shape) + " needs " + n);
        }
        return new Tensor(data, 0, shape.clone(), contiguousStrides(shape));
    }

    /** Wraps a strided window of {@code data} (not copied); bounds are checked. */
    public static Tensor wrap(float[] data, int offset, int[] shape, int[] strides) {
        Shapes.numel("shape", shape);
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " do not match shape " + Arrays.toString(shape));
        }
        long lo = offset, hi = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) { lo = offset; hi = offset - 1; break; }
            long span = (long) (shape[i] - 1) * strides[i];
            if (span < 0) lo += span; else hi += span;
        }
        if (hi >= lo && (lo < 0 || hi >= data.length)) {
            throw new IllegalArgumentException("view offset " + offset + " shape " + Arrays.toString(shape) + " strides "
                    + Arrays.toString(strides) + " reaches outside data of length " + data.length);
        }
        return new Tensor(data, offset, shape.clone(), strides.clone());
    }

    /** A scalar-filled tensor. */
    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    public float[] data() { return data; }
    public int offset() { return offset; }
    public int rank() { return shape.length; }
    public int[] shape() { return shape.clone(); }
    public int dim(int axis) { return shape[axis(axis)]; }
    public int[] strides() { return strides.clone(); }
    public int stride(int axis) { return strides[axis(axis)]; }

    public int numel() {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    private int axis(int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + Arrays.toString(shape));
        }
        return a;
    }

    /** True when the elements are laid out row-major without gaps from {@link #offset()}. */
    public boolean isContiguous() {
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != acc) return false;
            acc *= shape[i];
        }
        return true;
    }

    private int index(int... idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(idx) + " has rank " + idx.length + ", tensor " + this);
        }
        int p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " out of range for " + this);
            }
            p += idx[i] * strides[i];
        }
        return p;
    }

    public float get(int... idx) { return data[index(idx)]; }
    public void set(float value, int... idx) { data[index(idx)] = value; }

    /** View of indices [start, end) along {@code axis}. */
    public Tensor slice(int axis, int start, int end) {
        int a = axis(axis);
        if (start < 0 || end > shape[a] || start > end) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for axis " + a + " of " + this);
        }
        int[] s = shape.clone();
        s[a] = end - start;
        return new Tensor(data, offset + start * strides[a], s, strides.clone());
    }

    /** View with {@code axis} removed, at {@code index}. */
    public Tensor select(int axis, int index) {
        int a = axis(axis);
        if (index < 0 || index >= shape[a]) {
            throw new IllegalArgumentException("index " + index + " out of range for axis " + a + " of " + this);
        }
        int[] s = new int[shape.length - 1];
        int[] st = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == a) continue;
            s[j] = shape[i];
            st[j++] = strides[i];
        }
        return new Tensor(data, offset + index * strides[a], s, st);
    }

    /** View with axes reordered: result axis i is this tensor's axis {@code perm[i]}. */
    public Tensor permute(int... perm) {
        if (perm.length != shape.length) {
            throw new IllegalArgumentException("permutation " + Arrays.toString(perm) + " does not match rank of " + this);
        }
        boolean[] seen = new boolean[perm.length];
        int[] s = new int[perm.length];
        int[] st = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = axis(perm[i]);
            if (seen[p]) throw new IllegalArgumentException("permutation " + Arrays.toString(perm) + " repeats axis " + p);
            seen[p] = true;
            s[i] = shape[p];
            st[i] = strides[p];
        }
        return new Tensor(data, offset, s, st);
    }

    /** View with two axes swapped. */
    public Tensor transpose(int a, int b) {
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        int x = axis(a), y = axis(b);
        perm[x] = y;
        perm[y] = x;
        return permute(perm);
    }

    /** Same elements, new shape (one entry may be -1). A view when contiguous, else a copy. */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape " + Arrays.toString(newShape) + ": only one -1 allowed");
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape " + Arrays.toString(newShape) + ": negative size");
            } else {
                known *= s[i];
            }
        }
        int n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(newShape));
            }
            s[infer] = (int) (n / known);
            known *= s[infer];
        }
        if (known != n) {
            throw new IllegalArgumentException("cannot reshape " + this + " (" + n + " elements) to " + Arrays.toString(newShape));
        }
        Tensor src = isContiguous() ? this : contiguous();
        return new Tensor(src.data, src.offset, s, contiguousStrides(s));
    }

    /** This tensor if contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    /** A contiguous copy with its own data. */
    public Tensor copy() {
        Tensor out = zeros(shape);
        copyInto(out);
        return out;
    }

    /** Copies this tensor's elements into {@code dst} (same shape, any strides). */
    public void copyInto(Tensor dst) {
        Shapes.check("dst", dst, shape);
        int n = numel();
        if (n == 0) return;
        if (isContiguous() && dst.isContiguous()) {
            System.arraycopy(data, offset, dst.data, dst.offset, n);
            return;
        }
        int[] idx = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int ps = offset, pd = dst.offset;
            for (int d = 0; d < shape.length; d++) {
                ps += idx[d] * strides[d];
                pd += idx[d] * dst.strides[d];
            }
            dst.data[pd] = data[ps];
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    }

    /** Fills every element (views included) with {@code value}. */
    public void fill(float value) {
        if (isContiguous()) {
            Arrays.fill(data, offset, offset + numel(), value);
        } else {
            Tensor c = full(value, shape);
            c.copyInto(this);
        }
    }

    /** Elements in row-major order as a new array. */
    public float[] toArray() {
        return copy().data;
    }

    /** Largest |a - b| over all elements. */
    public static double maxAbsError(Tensor actual, Tensor expected) {
        Shapes.check("actual", actual, expected.shape);
        float[] a = actual.toArray(), e = expected.toArray();
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - e[i]));
        return m;
    }

    /** ||actual - expected||_2 / ||expected||_2 (absolute error when expected is all zero). NaN anywhere gives NaN. */
    public static double relativeL2Error(Tensor actual, Tensor expected) {
        Shapes.check("actual", actual, expected.shape);
        float[] a = actual.toArray(), e = expected.toArray();
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - e[i];
            num += d * d;
            den += (double) e[i] * e[i];
        }
        if (Double.isNaN(num)) return Double.NaN;
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
