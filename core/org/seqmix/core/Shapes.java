package org.seqmix.core;

import java.util.Arrays;

/**
 * Argument checks shared by every public entry point. Messages name the argument and give the expected
 * and the actual shape, e.g. {@code k: expected shape [2, 100, 4, 32] (B, T, H, K), got [2, 100, 4, 16]}.
 */
public final class Shapes {
    /** In an expected shape, matches any size. */
    public static final int ANY = -1;

    private Shapes() {}

    /** Checks rank and every non-{@link #ANY} size. {@code dims}, when given, names the axes, e.g. "B, T, H, K". */
    public static void check(String name, Tensor t, int... expected) {
        checkNamed(name, t, null, expected);
    }

    /** As {@link #check} with axis names for the message. */
    public static void checkNamed(String name, Tensor t, String dims, int... expected) {
        if (t == null) throw new IllegalArgumentException(name + ": expected shape " + fmt(expected) + axes(dims) + ", got null");
        int[] actual = t.shape();
        boolean ok = actual.length == expected.length;
        for (int i = 0; ok && i < expected.length; i++) {
            ok = expected[i] == ANY || expected[i] == actual[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(name + ": expected shape " + fmt(expected) + axes(dims) + ", got " + Arrays.toString(actual));
        }
    }

    // Fixed-arity overloads: Java picks them before the varargs form, so the checks in per-token step paths
    // allocate nothing (no varargs array, no shape copy); the message is built only on failure.

    public static void check(String name, Tensor t, int d0) { checkNamed(name, t, null, d0); }
    public static void check(String name, Tensor t, int d0, int d1) { checkNamed(name, t, null, d0, d1); }
    public static void check(String name, Tensor t, int d0, int d1, int d2) { checkNamed(name, t, null, d0, d1, d2); }
    public static void check(String name, Tensor t, int d0, int d1, int d2, int d3) { checkNamed(name, t, null, d0, d1, d2, d3); }

    public static void checkNamed(String name, Tensor t, String dims, int d0) {
        if (t == null || t.rank() != 1 || !fits(t, 0, d0)) fail(name, t, dims, new int[] {d0});
    }

    public static void checkNamed(String name, Tensor t, String dims, int d0, int d1) {
        if (t == null || t.rank() != 2 || !fits(t, 0, d0) || !fits(t, 1, d1)) fail(name, t, dims, new int[] {d0, d1});
    }

    public static void checkNamed(String name, Tensor t, String dims, int d0, int d1, int d2) {
        if (t == null || t.rank() != 3 || !fits(t, 0, d0) || !fits(t, 1, d1) || !fits(t, 2, d2)) fail(name, t, dims, new int[] {d0, d1, d2});
    }

    public static void checkNamed(String name, Tensor t, String dims, int d0, int d1, int d2, int d3) {
        if (t == null || t.rank() != 4 || !fits(t, 0, d0) || !fits(t, 1, d1) || !fits(t, 2, d2) || !fits(t, 3, d3)) {
            fail(name, t, dims, new int[] {d0, d1, d2, d3});
        }
    }

    private static boolean fits(Tensor t, int axis, int expected) {
        return expected == ANY || t.dim(axis) == expected;
    }

    private static void fail(String name, Tensor t, String dims, int[] expected) {
        throw new IllegalArgumentException(name + ": expected shape " + fmt(expected) + axes(dims) + ", got "
                + (t == null ? "null" : Arrays.toString(t.shape())));
    }

    /** Checks the rank only. */
    public static void checkRank(String name, Tensor t, int rank, String dims) {
        if (t == null || t.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + axes(dims) + ", got "
                    + (t == null ? "null" : Arrays.toString(t.shape())));
        }
    }

    /** Requires {@code value > 0}. */
    public static int positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + ": expected > 0, got " + value);
        return value;
    }

    /** Requires {@code value >= 0}. */
    public static int nonNegative(String name, int value) {
        if (value < 0) throw new IllegalArgumentException(name + ": expected >= 0, got " + value);
        return value;
    }

    /** Requires a finite value. */
    public static float finite(String name, float value) {
        if (!Float.isFinite(value)) throw new IllegalArgumentException(name + ": expected a finite value, got " + value);
        return value;
    }

    /** Requires every element finite; names the first bad index. */
    public static void allFinite(String name, Tensor t) {
        float[] a = t.contiguous().data();
        int off = t.contiguous().offset();
        int n = t.numel();
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(a[off + i])) {
                throw new IllegalArgumentException(name + " " + t + ": expected finite values, got " + a[off + i] + " at flat index " + i);
            }
        }
    }

    /** Requires {@code multiple % of == 0}. */
    public static void divisible(String name, int multiple, String ofName, int of) {
        if (of <= 0 || multiple % of != 0) {
            throw new IllegalArgumentException(name + " = " + multiple + ": expected a multiple of " + ofName + " = " + of);
        }
    }

    /** General condition with a message. */
    public static void require(boolean condition, String message) {
        if (!condition) throw new IllegalArgumentException(message);
    }

    /** Number of elements; rejects negative sizes. */
    public static long numel(String name, int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + ": negative size in " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }

    /**
     * Validates packed variable-length boundaries: {@code cu[0] == 0}, non-decreasing, {@code cu[N] == T}.
     */
    public static void checkCuSeqlens(int[] cu, int totalTokens) {
        if (cu == null || cu.length < 2) {
            throw new IllegalArgumentException("cu_seqlens: expected shape [N+1] with N >= 1, got " + (cu == null ? "null" : "[" + cu.length + "]"));
        }
        if (cu[0] != 0) throw new IllegalArgumentException("cu_seqlens: expected cu_seqlens[0] = 0, got " + cu[0]);
        for (int i = 1; i < cu.length; i++) {
            if (cu[i] < cu[i - 1]) {
                throw new IllegalArgumentException("cu_seqlens: expected non-decreasing values, got " + cu[i - 1] + " then " + cu[i] + " at index " + i);
            }
        }
        if (cu[cu.length - 1] != totalTokens) {
            throw new IllegalArgumentException("cu_seqlens: expected last value = T = " + totalTokens + ", got " + cu[cu.length - 1]);
        }
    }

    private static String fmt(int[] s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) {
            if (i > 0) b.append(", ");
            b.append(s[i] == ANY ? "*" : Integer.toString(s[i]));
        }
        return b.append(']').toString();
    }

    private static String axes(String dims) {
        return dims == null ? "" : " (" + dims + ")";
    }
}
