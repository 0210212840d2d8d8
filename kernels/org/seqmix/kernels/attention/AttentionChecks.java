package org.seqmix.kernels.attention;

import java.util.Arrays;
import org.seqmix.core.Tensor;

/** Allocation-free argument checks (messages built only on failure) for the attention kernels. */
final class AttentionChecks {
    private AttentionChecks() {}

    static void rank4(String name, Tensor t, String dims) {
        if (t == null) throw new IllegalArgumentException(name + ": expected a tensor [" + dims + "], got null");
        if (t.rank() != 4) throw new IllegalArgumentException(name + ": expected rank 4 [" + dims + "], got " + Arrays.toString(t.shape()));
    }

    /** Checks the exact shape; message names the argument, the expected and the actual shape. */
    static void same(String name, Tensor t, String dims, int... expected) {
        if (t == null) throw new IllegalArgumentException(name + ": expected shape " + Arrays.toString(expected) + " (" + dims + "), got null");
        boolean ok = t.rank() == expected.length;
        for (int i = 0; ok && i < expected.length; i++) ok = t.dim(i) == expected[i];
        if (!ok) {
            throw new IllegalArgumentException(name + ": expected shape " + Arrays.toString(expected) + " (" + dims + "), got " + Arrays.toString(t.shape()));
        }
    }

    /** Exact shape of a 3-D tensor without varargs (for allocation-free step paths). */
    static void same3(String name, Tensor t, String dims, int a, int b, int c) {
        if (t == null || t.rank() != 3 || t.dim(0) != a || t.dim(1) != b || t.dim(2) != c) {
            throw new IllegalArgumentException(name + ": expected shape [" + a + ", " + b + ", " + c + "] (" + dims + "), got "
                    + (t == null ? "null" : Arrays.toString(t.shape())));
        }
    }

    static void positiveDims(String name, Tensor t) {
        for (int i = 0; i < t.rank(); i++) {
            if (t.dim(i) <= 0) throw new IllegalArgumentException(name + ": every size must be > 0, got " + Arrays.toString(t.shape()));
        }
    }

    static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + ": expected > 0, got " + value);
    }

    static void scale(float scale) {
        if (!Float.isFinite(scale)) throw new IllegalArgumentException("scale: expected a finite value, got " + scale);
    }
}
