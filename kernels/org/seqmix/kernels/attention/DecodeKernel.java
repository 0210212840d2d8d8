package org.seqmix.kernels.attention;

import org.seqmix.kernels.VectorizationProvider;

/**
 * The two streaming passes of attention decode over a run of contiguous cached rows ({@code n} keys or values of
 * {@code d} entries each, float32 or bfloat16): scores {@code s_j = q · k_j}, then {@code o += sum_j p_j v_j}
 * with {@code o} held in registers for the whole run, so every cached byte is read once.
 *
 * <p>Vectors may keep q and o in a kernel-specific order of the head dim ({@link #toKernelOrder}): the bf16
 * Panama kernel splits each group of 2L entries into its even and odd entries, so a bf16 pair in one int widens
 * with a shift and a mask (no lane shuffles). The caller converts q in and o out once per step.
 */
interface DecodeKernel {
    /** s[so+j] = q · k[ko + j*d ..] for j < n (q in kernel order), unscaled. */
    void scores(float[] q, int qo, float[] k, int ko, int n, int d, float[] s, int so);

    /** As {@link #scores} over bfloat16 keys. */
    void scoresBf16(float[] q, int qo, short[] k, int ko, int n, int d, float[] s, int so);

    /**
     * {@link #scores} for {@code heads} query heads that share the keys (a GQA group): head h's q at
     * {@code qo + h*d}, its scores at {@code so + h*ss}. Each head's scores are exactly what {@link #scores} gives
     * for it; an implementation may load and widen each key row once for several heads.
     */
    default void scoresHeads(float[] q, int qo, int heads, float[] k, int ko, int n, int d, float[] s, int so, int ss) {
        for (int h = 0; h < heads; h++) scores(q, qo + h * d, k, ko, n, d, s, so + h * ss);
    }

    /** As {@link #scoresHeads} over bfloat16 keys. */
    default void scoresBf16Heads(float[] q, int qo, int heads, short[] k, int ko, int n, int d, float[] s, int so, int ss) {
        for (int h = 0; h < heads; h++) scoresBf16(q, qo + h * d, k, ko, n, d, s, so + h * ss);
    }

    /** o[oo..oo+d) += sum_{j<n} p[po+j] * v[vo + j*d ..] (o in kernel order). */
    void values(float[] p, int po, int n, float[] v, int vo, int d, float[] o, int oo);

    /** As {@link #values} over bfloat16 values. */
    void valuesBf16(float[] p, int po, int n, short[] v, int vo, int d, float[] o, int oo);

    /** Copies a head vector x[xo..xo+d) into kernel order for a bf16 cache (identity for float32). */
    void toKernelOrder(float[] x, int xo, float[] out, int oo, int d, boolean bf16);

    /** The inverse of {@link #toKernelOrder}. */
    void fromKernelOrder(float[] x, int xo, float[] out, int oo, int d, boolean bf16);

    /** The active implementation. */
    static DecodeKernel get() {
        return Holder.KERNEL;
    }

    final class Holder {
        static final DecodeKernel KERNEL = VectorizationProvider.kernel(DecodeKernel.class, "org.seqmix.kernels.attention.PanamaDecodeKernel", ScalarDecodeKernel::new);

        private Holder() {}
    }
}
