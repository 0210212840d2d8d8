package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sum in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified: the interpreter and C1
 * add lanes one by one while C2 uses a tree, so the same call could round differently before and after JIT
 * compilation, and results would depend on timing and thread count. This tree of lane rotations is the same in
 * every mode. Only used by Panama classes (loaded when the vector module is present).
 *
 * <p>Hot kernels write the four rotation steps inline with {@link #ROT8}..{@link #ROT1} instead of calling
 * {@link #sum}: when C2 runs out of inlining depth a vector argument to an out-of-line call is boxed on every
 * call.
 */
public final class PanamaLanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    public static final VectorShuffle<Float> ROT1 = VectorShuffle.iota(S, 1, 1, true);
    public static final VectorShuffle<Float> ROT2 = VectorShuffle.iota(S, 2, 1, true);
    public static final VectorShuffle<Float> ROT4 = VectorShuffle.iota(S, 4, 1, true);
    public static final VectorShuffle<Float> ROT8 = VectorShuffle.iota(S, L >= 16 ? 8 : 0, 1, true);

    private PanamaLanes() {}

    /** Sum of the lanes of a {@code SPECIES_PREFERRED} vector (4, 8 or 16 lanes), deterministic. */
    public static float sum(FloatVector v) {
        FloatVector s = v;
        if (L >= 16) s = s.add(s.rearrange(ROT8));
        if (L >= 8) s = s.add(s.rearrange(ROT4));
        if (L >= 4) s = s.add(s.rearrange(ROT2));
        s = s.add(s.rearrange(ROT1));
        return s.lane(0);
    }
}
