package org.seqmix.kernels.deltarule;

import org.seqmix.kernels.VectorizationProvider;

/**
 * A block of consecutive delta-rule tokens of one value head on its key-major state {@code S [K, V]} (row i = key
 * channel i). Per token t, from vectors prepared once per token ({@link RecurrentDeltaRule.Block}):
 * {@code S_i *= dec_i} (only where {@code decayed[t]}); {@code kv = Σ_i bk_i S_i; u = wv - kv; S_i += k_i u;
 * o = Σ_i qs_i S_i}; after the last token {@code S_i *= fin_i} when {@code fin} is given. The optional decay lets a
 * caller keep the state scaled, {@code X = S / Γ} with the decay Γ folded into bk, qs (times Γ) and k (over Γ),
 * so most tokens need no multiply pass over the state (see {@link RecurrentDeltaRule#prepare}).
 * Columns of V are independent in all of that (only the K-sized vectors are shared), so implementations walk the
 * state in column tiles small enough for L1 and run every token of the block on a tile before moving on: the
 * state streams through L2 once per block instead of once or twice per token. Implementations:
 * {@link OpsDeltaStepKernel} (plain Java, any JVM) and {@code PanamaDeltaStepKernel} (loaded only when
 * jdk.incubator.vector is present); both do the same float operations in the same order, so they agree bit for bit.
 */
interface DeltaStepKernel {
    /** Scratch floats per state row an implementation may use for one column tile (64 columns). */
    int TILE_FLOATS_PER_ROW = 64;

    /**
     * Runs {@code n} tokens on {@code s[so .. so + K*V)}. Token t reads {@code dec, bk, kk, qs [t*K .. +K)} and
     * {@code wv [t*V .. +V)} (w∘v, or beta·v) and writes {@code o[oOff + t*oStride .. +V)}; {@code decayed} null =
     * every token decays the state by its dec row, else only those marked; {@code fin} ({@code [K]}) multiplies the
     * state rows after the last token, or null (a one-token block without {@code fin} takes a read pass and a write
     * pass per column strip instead). {@code tile}: scratch of {@link #TILE_FLOATS_PER_ROW} floats per key row (a
     * contiguous copy of a column tile), or null.
     */
    void block(float[] s, int so, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk, float[] qs,
               float[] wv, float[] fin, float[] o, int oOff, int oStride, float[] tile);

    /** Whether token t decays the state by its dec row (see {@link #block}). */
    static boolean decays(boolean[] decayed, int t) {
        return decayed == null || decayed[t];
    }

    /** Panama when the vector module is present (and -Dseqmix.vectorization=scalar is not set), else the plain one. */
    static DeltaStepKernel best() {
        return Holder.BEST;
    }

    /** The portable implementation (tests compare it with {@link #best()}). */
    static DeltaStepKernel portable() {
        return new OpsDeltaStepKernel();
    }

    final class Holder {
        static final DeltaStepKernel BEST = VectorizationProvider.kernel(DeltaStepKernel.class, "org.seqmix.kernels.deltarule.PanamaDeltaStepKernel", OpsDeltaStepKernel::new);

        private Holder() {}
    }
}
