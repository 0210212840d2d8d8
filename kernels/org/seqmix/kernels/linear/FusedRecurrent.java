package org.seqmix.kernels.linear;

import org.seqmix.kernels.VectorizationProvider;

/**
 * The fused one-token kernel of every recurrent form with a rank-1 update and a row-wise decay, on a state
 * {@code s [rows, cols]} (row i at {@code so + i * cols}):
 * <pre>
 *   s[i] = d_i s[i] + k_i (vScale v)        d_i = exp(logDecay[i]), or the one {@code decay} for all rows
 *   o    = sum_i (qScale q_i) s[i]          (o overwritten)
 * </pre>
 * Each element of the state is loaded once, decayed, updated, multiplied into the read-out while in registers and
 * stored once; the read-out accumulates across rows in vector registers (vectorised over {@code cols}), so there is
 * no horizontal sum. This is the GLA family with {@code rows = K, cols = V}, and Mamba-2 on a transposed state
 * ({@code rows = N, cols = P, k = B, v = x, vScale = dt', q = C}).
 *
 * <p>A scalar floor and a Panama implementation, loaded by name only when the incubator module is present so the
 * jar runs without it (as {@link org.seqmix.kernels.mamba.SsdStepRows}). Allocation-free.
 */
public interface FusedRecurrent {
    /**
     * @param logDecay per-row log decays at {@code ldo} (GLA), or null to use {@code decay} for every row
     * @param work scratch of at least {@code rows} floats (receives the decays, exponentiated by
     *             {@link org.seqmix.kernels.VectorOps#exp}, so both implementations and every JIT tier agree);
     *             unused when {@code logDecay} is null
     */
    void token(float[] s, int so, int rows, int cols, float decay, float[] logDecay, int ldo, float[] work,
               float[] k, int ko, float[] v, int vo, float vScale, float[] q, int qo, float qScale, float[] o, int oo);

    /** Name for logs and tests. */
    String name();

    /** The implementation in use: Panama when the module is present and {@code -Dseqmix.vectorization=scalar} is not set. */
    static FusedRecurrent get() {
        return Holder.ACTIVE;
    }

    /** The scalar floor, for tests. */
    static FusedRecurrent scalar() {
        return new ScalarFusedRecurrent();
    }

    /** The Panama implementation, or null when the module is absent. */
    static FusedRecurrent panama() {
        return VectorizationProvider.panama(FusedRecurrent.class, "org.seqmix.kernels.linear.PanamaFusedRecurrent");
    }

    final class Holder {
        static final FusedRecurrent ACTIVE = VectorizationProvider.kernel(FusedRecurrent.class, "org.seqmix.kernels.linear.PanamaFusedRecurrent", ScalarFusedRecurrent::new);

        private Holder() {}
    }
}
