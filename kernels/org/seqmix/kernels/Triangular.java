package org.seqmix.kernels;

/**
 * Unit lower-triangular blocks for the delta-rule chunk form (fla's {@code solve_tril}: (I + A)^-1 with A
 * strictly lower). Row-major strided blocks; the diagonal is implied 1 and only the strictly lower part of the
 * input is read. Rows are updated with {@link VectorOps#axpy}, so the work is SIMD over the columns.
 */
public final class Triangular {
    private Triangular() {}

    /**
     * out = L^-1 for the unit lower-triangular n x n block L at a[off], leading dimension ld. The full n x n output
     * is written (zeros above the diagonal, ones on it). {@code out} must not overlap the input block.
     */
    public static void invertUnitLower(float[] a, int off, int ld, int n, float[] out, int outOff, int ldo) {
        checkBlock("a", a, off, "ld", ld, n, n);
        checkBlock("out", out, outOff, "ldo", ldo, n, n);
        if (a == out && n > 0 && overlaps(off, ld, outOff, ldo, n, n)) {
            throw new IllegalArgumentException("out: must not overlap a (offsets " + off + " and " + outOff + ", n " + n + ")");
        }
        VectorOps ops = VectorizationProvider.ops();
        for (int i = 0; i < n; i++) {
            int oi = outOff + i * ldo;
            java.util.Arrays.fill(out, oi, oi + n, 0f);
            out[oi + i] = 1f;
            // row i of L^-1 = e_i - sum_{p<i} L[i][p] * (row p of L^-1); row p is zero beyond column p
            int ai = off + i * ld;
            for (int p = 0; p < i; p++) {
                float l = a[ai + p];
                if (l != 0f) ops.axpy(-l, out, outOff + p * ldo, out, oi, p + 1);
            }
        }
    }

    /**
     * Solves L X = B in place on B: L is the unit lower-triangular n x n block at l[lOff] (leading dimension ldl),
     * B the n x m block at b[bOff] (leading dimension ldb). Forward substitution, one row of B at a time.
     */
    public static void solveUnitLower(float[] l, int lOff, int ldl, int n, float[] b, int bOff, int ldb, int m) {
        checkBlock("l", l, lOff, "ldl", ldl, n, n);
        checkBlock("b", b, bOff, "ldb", ldb, n, m);
        if (m < 0) throw new IllegalArgumentException("m: expected >= 0, got " + m);
        if (l == b && n > 0 && m > 0 && overlaps(lOff, ldl, bOff, ldb, n, m)) {
            throw new IllegalArgumentException("b: must not overlap l (offsets " + lOff + " and " + bOff + ")");
        }
        VectorOps ops = VectorizationProvider.ops();
        for (int i = 1; i < n; i++) {
            int li = lOff + i * ldl, bi = bOff + i * ldb;
            for (int p = 0; p < i; p++) {
                float v = l[li + p];
                if (v != 0f) ops.axpy(-v, b, bOff + p * ldb, b, bi, m);
            }
        }
    }

    private static void checkBlock(String name, float[] arr, int off, String ldName, int ld, int rows, int cols) {
        if (arr == null) throw new IllegalArgumentException(name + ": array is null");
        if (rows < 0) throw new IllegalArgumentException("n: expected >= 0, got " + rows);
        if (cols < 0) throw new IllegalArgumentException("m: expected >= 0, got " + cols);
        if (ld < Math.max(1, cols)) throw new IllegalArgumentException(ldName + ": expected >= " + Math.max(1, cols) + ", got " + ld);
        if (off < 0) throw new IllegalArgumentException(name + ": offset expected >= 0, got " + off);
        if (rows > 0 && cols > 0 && off + (long) (rows - 1) * ld + cols > arr.length) {
            throw new IllegalArgumentException(name + ": " + rows + " x " + cols + " block at offset " + off + " with " + ldName + " "
                    + ld + " needs " + (off + (long) (rows - 1) * ld + cols) + " elements, array has " + arr.length);
        }
    }

    /** Whether two row-major blocks (n x n at o1/ld1, rows x cols at o2/ld2) share an element. Conservative by rows' spans. */
    private static boolean overlaps(int o1, int ld1, int o2, int ld2, int rows, int cols) {
        long e1 = o1 + (long) (rows - 1) * ld1 + rows, e2 = o2 + (long) (rows - 1) * ld2 + cols;
        return o1 < e2 && o2 < e1;
    }
}
