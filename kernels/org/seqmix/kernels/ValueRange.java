package org.seqmix.kernels;

import org.seqmix.core.Parallel;

/**
 * The value checks of the public entry points (log decays <= 0 and finite, beta in [0, 2], finite parameters) as
 * one vectorised pass, split over the team for large inputs: a branch per element cost ~1 ns, 4 ms for the
 * [T, H, K] gate of a 4k-token GLA call, run on the calling thread before the parallel work. Callers find and
 * name the offending element with their own exact loop once this says there is one.
 */
public final class ValueRange {
    /** Elements per parallel piece (256 KiB): below two pieces the check runs on the calling thread. */
    static final int PIECE = 1 << 16;

    private ValueRange() {}

    /** Whether {@code lo <= a[off+i] <= hi} for every {@code i < n} (NaN never is). */
    public static boolean within(float[] a, int off, int n, float lo, float hi) {
        VectorOps ops = VectorizationProvider.ops();
        if (n < 2 * PIECE || Parallel.threads() == 1) return ops.allWithin(a, off, n, lo, hi);
        int pieces = (n + PIECE - 1) / PIECE;
        boolean[] ok = new boolean[pieces];
        Parallel.forRange(pieces, i -> {
            int s = i * PIECE;
            ok[i] = ops.allWithin(a, off + s, Math.min(PIECE, n - s), lo, hi);
        });
        for (boolean b : ok) if (!b) return false;
        return true;
    }

    /** Finite log decays: {@code -Float.MAX_VALUE <= g <= 0}. */
    public static boolean logDecays(float[] a, int off, int n) {
        return within(a, off, n, -Float.MAX_VALUE, 0f);
    }
}
