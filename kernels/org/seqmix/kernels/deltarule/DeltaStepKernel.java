package org.seqmix.kernels.deltarule;

import org.seqmix.kernels.ThreadScratch;
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
 * <p><b>Panels.</b> A tile's rows are V floats apart in the {@code [K, V]} layout, which maps a 64-column tile onto
 * a fraction of the L1 sets (at K = V = 128, 16 lines per set against 12 ways), so it would not stay in L1. A caller
 * running many tokens keeps the state in the panel layout instead ({@link #toPanels}): column panels of
 * {@link #panel()} columns, each {@code [K, w]} row-major and contiguous (the last one narrower when V is no
 * multiple), converted once per sequence rather than copied per block.
 * <p><b>Token pairs.</b> An implementation with {@link #pairs()} runs its full panels two tokens per pass wherever
 * the second token does not decay the state: from the state S before token t and the
 * projections {@code kv_t = Σ bk_t,i S_i} and {@code P = Σ bk_t+1,i S_i} made by the previous pass,
 * {@code u_t = wv_t - kv_t} and {@code u_t+1 = wv_t+1 - (P + β_t u_t)} with {@code β_t = bk_t+1 · k_t}
 * ({@link #pairBetas}), since {@code Σ bk_t+1,i (S_i + k_t,i u_t) = P + β_t u_t}; then one pass applies both updates,
 * queries both tokens and projects the result onto the next pass's one or two bk rows. The state is loaded and
 * stored once per two tokens: on AVX-512 the single-token pass is bound by its stores (one per three FMAs), not
 * by its FMAs. Same FMA count; different rounding from the one-token order (the partner implementation is built
 * with the same panel width and pairs, so the two still agree bit for bit).
 */
interface DeltaStepKernel {
    /**
     * Runs {@code n} tokens on the state at {@code s[so .. so + K*V)}, in the {@code [K, V]} layout or, with
     * {@code panels}, in the panel layout of {@link #panel()} columns. Token t reads {@code dec, bk, kk, qs [t*K .. +K)}
     * and {@code wv [t*V .. +V)} (w∘v, or beta·v) and writes {@code o[oOff + t*oStride .. +V)}; {@code decayed} null =
     * every token decays the state by its dec row, else only those marked; {@code fin} ({@code [K]}) multiplies the
     * state rows after the last token, or null (a one-token block in the {@code [K, V]} layout without {@code fin}
     * takes a read pass and a write pass per column strip instead).
     */
    void block(float[] s, int so, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk, float[] qs,
               float[] wv, float[] fin, float[] o, int oOff, int oStride, boolean panels);

    /** Columns per panel of the panel layout (see above). */
    int panel();

    /** Whether full panels run token pairs (see above), in the blocks {@link #pairsRun} allows. */
    boolean pairs();

    /** Fewest tokens for which a sequence is run in the panel layout (two state copies; 4 tokens broke even, 8 won 15%). */
    int MIN_PANEL_TOKENS = 8;

    /** Whether a block runs token pairs: the implementation pairs, the state is in panels and there are two tokens. */
    static boolean pairsRun(boolean pairs, boolean panels, int n) {
        return pairs && panels && n >= 2;
    }

    /** Offset of column j's panel in the panel layout of width w ({@code K * j0}), and that panel's width. */
    static int panelOffset(int kd, int w, int j) {
        return kd * (j - j % w);
    }

    static int panelWidth(int vd, int w, int j) {
        return Math.min(w, vd - (j - j % w));
    }

    /** {@code [K, V]} at {@code s[so ..]} to the panel layout of width w at {@code p[po ..]}. */
    static void toPanels(float[] s, int so, int kd, int vd, int w, float[] p, int po) {
        for (int j = 0; j < vd; j += w) {
            int pw = Math.min(w, vd - j), base = po + kd * j;
            for (int i = 0; i < kd; i++) System.arraycopy(s, so + i * vd + j, p, base + i * pw, pw);
        }
    }

    /** The panel layout of width w at {@code p[po ..]} back to {@code [K, V]} at {@code s[so ..]}. */
    static void fromPanels(float[] p, int po, int kd, int vd, int w, float[] s, int so) {
        for (int j = 0; j < vd; j += w) {
            int pw = Math.min(w, vd - j), base = po + kd * j;
            for (int i = 0; i < kd; i++) System.arraycopy(p, base + i * pw, s, so + i * vd + j, pw);
        }
    }

    /**
     * Tokens in the pass that starts at token t: 2 when pairs are on, t + 1 exists and does not decay the state, and
     * the pass needs no multiply after it (the token after the pair does not decay the state, or, for a pair that
     * ends the block, there is no {@code fin}): the pair pass then has no multiply branch, which keeps it small
     * enough for C2 to inline every vector operation; else 1.
     */
    static int group(boolean pairs, boolean[] decayed, boolean fin, int t, int n) {
        if (!pairs || decayed == null || t + 1 >= n || decayed[t + 1]) return 1;
        return (t + 2 < n ? decayed[t + 2] : fin) ? 1 : 2;
    }

    /** Per thread: the block's β values. */
    ThreadScratch BETAS = new ThreadScratch(1);

    /**
     * {@code β_t = bk_t+1 · kk_t} for t < n - 1 (the active {@link org.seqmix.kernels.VectorOps#dot}: one order for both
     * implementations in a JVM; a serial scalar chain cost ~10% of the block), in a per-thread array valid until the
     * thread's next call.
     */
    static float[] pairBetas(float[] bk, float[] kk, int n, int kd) {
        float[] b = BETAS.get(0, n);
        org.seqmix.kernels.VectorOps ops = VectorizationProvider.ops();
        for (int t = 0; t + 1 < n; t++) b[t] = ops.dot(bk, (t + 1) * kd, kk, t * kd, kd);
        return b;
    }

    /** Whether token t decays the state by its dec row (see {@link #block}). */
    static boolean decays(boolean[] decayed, int t) {
        return decayed == null || decayed[t];
    }

    /** Panama when the vector module is present (and -Dseqmix.vectorization=scalar is not set), else the plain one. */
    static DeltaStepKernel best() {
        return Holder.BEST;
    }

    final class Holder {
        static final DeltaStepKernel BEST = VectorizationProvider.kernel(DeltaStepKernel.class, "org.seqmix.kernels.deltarule.PanamaDeltaStepKernel",
                () -> new OpsDeltaStepKernel(OpsDeltaStepKernel.PANEL, false));

        private Holder() {}
    }
}
