package org.seqmix.kernels.linear;

import org.seqmix.core.Tensor;

/** Shape checks for the step path that allocate nothing unless they fail (Shapes copies shapes for its messages). */
final class StepChecks {
    private StepChecks() {}

    /** Rank 2..4, sizes (-1 = any), contiguous; on failure the message names the argument, expected and actual shape. */
    static void dims(String name, Tensor t, String axes, int d0, int d1, int d2, int d3) {
        int rank = d3 == Integer.MIN_VALUE ? (d2 == Integer.MIN_VALUE ? 2 : 3) : 4;
        boolean ok = t != null && t.rank() == rank && match(t, 0, d0) && match(t, 1, d1) && (rank < 3 || match(t, 2, d2))
                && (rank < 4 || match(t, 3, d3));
        if (!ok) {
            int[] exp = rank == 2 ? new int[] {d0, d1} : rank == 3 ? new int[] {d0, d1, d2} : new int[] {d0, d1, d2, d3};
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < exp.length; i++) s.append(i > 0 ? ", " : "").append(exp[i] < 0 ? "*" : Integer.toString(exp[i]));
            throw new IllegalArgumentException(name + ": expected shape " + s + "] (" + axes + "), got "
                    + (t == null ? "null" : java.util.Arrays.toString(t.shape())));
        }
        if (!t.isContiguous()) throw new IllegalArgumentException(name + ": the step form needs a contiguous tensor, got strides "
                + java.util.Arrays.toString(t.strides()));
    }

    static void dims(String name, Tensor t, String axes, int d0, int d1, int d2) {
        dims(name, t, axes, d0, d1, d2, Integer.MIN_VALUE);
    }

    static void dims(String name, Tensor t, String axes, int d0, int d1) {
        dims(name, t, axes, d0, d1, Integer.MIN_VALUE, Integer.MIN_VALUE);
    }

    private static boolean match(Tensor t, int axis, int d) {
        return d < 0 || t.dim(axis) == d;
    }

    /** Every size > 0. */
    static void positive(String name, Tensor t) {
        for (int i = 0; i < t.rank(); i++) {
            if (t.dim(i) <= 0) throw new IllegalArgumentException(name + ": expected sizes > 0, got " + java.util.Arrays.toString(t.shape()));
        }
    }
}
