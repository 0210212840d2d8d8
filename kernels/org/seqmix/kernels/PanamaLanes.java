package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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

    /*
     * The fixed-order fold of 16 vectors into one vector of their 16 lane sums (16-lane vectors only): level w pairs
     * lanes l and l ^ w of two vectors, a.blend(b, BIT_w).add(b.blend(a, BIT_w).rearrange(XOR_w)), keeping one
     * vector per half; after the levels 8, 4, 2, 1 lane l holds the sum of vector bitrev(l), put in order by BITREV.
     */
    public static final VectorMask<Float> BIT8 = laneBit(8), BIT4 = laneBit(4), BIT2 = laneBit(2), BIT1 = laneBit(1);
    public static final VectorShuffle<Float> XOR8 = xor(8), XOR4 = xor(4), XOR2 = xor(2), XOR1 = xor(1);
    public static final VectorShuffle<Float> BITREV = VectorShuffle.fromOp(S, l -> L == 16 ? Integer.reverse(l) >>> 28 : l);

    private PanamaLanes() {}

    private static VectorMask<Float> laneBit(int w) {
        boolean[] m = new boolean[L];
        for (int l = 0; l < L; l++) m[l] = (l & w) != 0;
        return VectorMask.fromArray(S, m, 0);
    }

    private static VectorShuffle<Float> xor(int w) {
        return VectorShuffle.fromOp(S, l -> (l ^ w) % L);
    }

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
