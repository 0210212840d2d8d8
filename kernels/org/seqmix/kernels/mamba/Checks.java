package org.seqmix.kernels.mamba;

import java.util.Arrays;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Allocation-free value checks for the step forms, which run them every token (shape checks are
 * {@link org.seqmix.core.Shapes}' fixed-arity overloads): no copies, the message built only on failure.
 */
public final class Checks {
    private Checks() {}

    /** Every element finite; for {@code negative}, also {@code <= 0} (a positive A would make the state grow). */
    public static void finite(String name, Tensor t, boolean nonPositive) {
        if (t == null) return;
        int rank = t.rank();
        int n = t.numel();
        float[] d = t.data();
        // walk the (at most rank-2) tensor through its strides: no copy, no index array
        int rows = rank == 2 ? t.dim(0) : 1, cols = rank == 0 ? 1 : t.dim(rank - 1);
        int rs = rank == 2 ? t.stride(0) : 0, cs = rank == 0 ? 0 : t.stride(rank - 1);
        if (rank > 2) throw new IllegalArgumentException(name + ": expected rank <= 2, got " + Arrays.toString(t.shape()));
        // fast pass over contiguous data, vectorised: A of a Mamba-1 layer is D x N = 24k floats checked every
        // decode token, and a branch per element was 40% of the step; the exact loop below only names the culprit
        if (cs == 1 && (rows == 1 || rs == cols)
                && VectorizationProvider.ops().allWithin(d, t.offset(), n, -Float.MAX_VALUE, nonPositive ? 0f : Float.MAX_VALUE)) {
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float v = d[t.offset() + r * rs + c * cs];
                if (!Float.isFinite(v) || (nonPositive && v > 0f)) {
                    throw new IllegalArgumentException(name + " " + Arrays.toString(t.shape()) + ": expected finite"
                            + (nonPositive ? " values <= 0" : " values") + ", got " + v + " at flat index " + (r * cols + c) + " of " + n);
                }
            }
        }
    }

    /** The last axis must have stride 1 (rows are read as float[] slices). */
    public static void unitLastStride(String name, Tensor t) {
        if (t != null && t.rank() > 0 && t.dim(-1) > 1 && t.stride(-1) != 1) {
            throw new IllegalArgumentException(name + " " + Arrays.toString(t.shape()) + ": expected stride 1 on the last axis, got strides "
                    + Arrays.toString(t.strides()));
        }
    }

    /** The elements in row-major order from index 0: the tensor's own array when it already is, else a copy. */
    static float[] flat(Tensor t) {
        return t.isContiguous() && t.offset() == 0 ? t.data() : t.copy().data();
    }

}
