package org.seqmix.kernels.linear;

import java.util.Arrays;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.ThreadScratch;

/**
 * Recurrent form: token by token with the [K, V] state, {@code S = diag(exp(g))·S + k vᵀ; o = Sᵀ(q·scale)}
 * (normalized linear attention also keeps the key sum z and divides o by {@code (q·scale)·z + 1e-10}).
 * {@link #updateHead} is the one-token kernel shared by the whole-sequence form and the allocation-free step; its
 * state pass is the {@link FusedRecurrent} kernel (one load and one store per state element per token). The
 * whole-sequence form splits V into column blocks whose state stays in L1.
 */
final class RecurrentGla {
    private RecurrentGla() {}

    /**
     * Per-thread scratch: [0] the exponentiated per-key decays (step and whole sequence), [1] an item's state block,
     * [2] its key sum.
     */
    private static final ThreadScratch SCRATCH = new ThreadScratch(3);

    /** State bytes per item that stay in L1 (32 KiB): the columns of V are split into blocks of this size. */
    static final int L1_STATE_FLOATS = 8192;

    /** Whole sequences into new tensors: o, the final states and (normalize) the final key sums. */
    static GlaOutput run(GlaProblem p) {
        Tensor o = Tensor.zeros(p.B, p.T, p.H, p.V), fin = Tensor.zeros(p.N, p.H, p.K, p.V);
        Tensor zs = p.normalize ? Tensor.zeros(p.N, p.H, p.K) : null;
        run(p, p.initialState, p.initialKeySum, o.data(), 0, fin.data(), 0, zs == null ? null : zs.data(), 0);
        return new GlaOutput(o, fin, zs);
    }

    /**
     * Whole sequences into the caller's arrays: o {@code [B,T,H,V]} at {@code oa[oo ..]} (every element written), the
     * final states {@code [N,H,K,V]} at {@code fa[fo ..]} and (normalize) key sums {@code [N,H,K]} at {@code za[zo ..]},
     * from {@code init} and {@code initZ} (zeros when null). An item reads its own (sequence, head, column block) of
     * init, and with normalize (V in one block) its head's key sum, before writing them back: init may be the tensor
     * over fa, initZ the one over za.
     */
    static void run(GlaProblem p, Tensor init, Tensor initZ, float[] oa, int oo, float[] fa, int fo, float[] za, int zo) {
        final int H = p.H, K = p.K, V = p.V;
        FusedRecurrent kernel = FusedRecurrent.get();
        // columns of V are independent in the recurrence: (sequence, head, block of columns) items keep a state
        // block of <= 32 KiB, resident in L1 across the tokens. Normalized attention divides whole rows of o by
        // one denominator, so it keeps V in one block.
        int vb = p.normalize ? V : columnBlock(K, V), blocks = (V + vb - 1) / vb;
        Parallel.forRange(p.N * H * blocks, item -> {
            int n = item / (H * blocks), h = (item / blocks) % H, j0 = (item % blocks) * vb, w = Math.min(vb, V - j0);
            float[] S = SCRATCH.get(1, K * w), z = p.normalize ? SCRATCH.get(2, K) : null, work = SCRATCH.get(0, K);
            if (init != null) {
                int io = init.offset() + (n * H + h) * K * V + j0;
                for (int i = 0; i < K; i++) System.arraycopy(init.data(), io + i * V, S, i * w, w);
            } else {
                Arrays.fill(S, 0, K * w, 0f);
            }
            if (z != null) {
                if (initZ != null) System.arraycopy(initZ.data(), initZ.offset() + (n * H + h) * K, z, 0, K);
                else Arrays.fill(z, 0, K, 0f);
            }
            int bi = p.batch(n), end = p.seqEnd(n);
            boolean key = p.gate == GlaProblem.Gate.KEY;
            float touched = 0f;
            for (int t = p.seqStart(n); t < end; t++) {
                int r = p.row(bi, t, h);
                // the rows of token t + 2 are H·K floats apart from token t's: touch one float per cache line so
                // their loads overlap this token's state pass instead of stalling the next one (long T, DRAM)
                if (t + PREFETCH < end) touched += touch(p, p.row(bi, t + PREFETCH, h), j0, w, key);
                updateHead(kernel, work, K, w, p.q, p.qo + r * K, p.k, p.ko + r * K, p.v, p.vo + r * V + j0,
                        key ? 0f : p.scalarGate(bi, t, h), key ? p.g : null, p.go + r * K, p.scale, S, 0, z, 0,
                        oa, oo + r * V + j0);
            }
            for (int i = 0; i < K; i++) System.arraycopy(S, i * w, fa, fo + ((n * H + h) * K + i) * V + j0, w);
            work[0] = touched;   // keeps the touching loads alive
            if (z != null) System.arraycopy(z, 0, za, zo + (n * H + h) * K, K);
        });
    }

    /** Tokens ahead whose input rows are touched. */
    private static final int PREFETCH = 2;

    /** Reads one float per 64-byte line of token row r's q, k, v (columns j0..j0+w) and per-key gate. */
    private static float touch(GlaProblem p, int r, int j0, int w, boolean key) {
        float s = 0f;
        int K = p.K;
        for (int i = 0; i < K; i += 16) s += p.q[p.qo + r * K + i] + p.k[p.ko + r * K + i];
        if (key) for (int i = 0; i < K; i += 16) s += p.g[p.go + r * K + i];
        for (int j = 0; j < w; j += 16) s += p.v[p.vo + r * p.V + j0 + j];
        return s;
    }

    /** Columns per item: the whole of V when the state fits L1, else blocks of a multiple of 16 columns that do. */
    static int columnBlock(int K, int V) {
        if ((long) K * V <= L1_STATE_FLOATS) return V;
        int w = Math.max(16, (L1_STATE_FLOATS / K) / 16 * 16);
        return Math.min(V, w);
    }

    /** Scratch of at least K floats for the calling thread (the step's decays). */
    static float[] work(int K) {
        return SCRATCH.get(0, K);
    }

    /**
     * One token of one head, in place on {@code S [K, V]} at {@code so}: decay by {@code exp(gk[go+i])} per key
     * row when {@code gk != null}, else by {@code exp(gScalar)}; add k vᵀ; write o = Sᵀ(q·scale) at {@code oo}
     * (divided by (q·scale)·z + 1e-10 when {@code z != null}, z += k first). {@code work} holds >= K floats.
     * Allocates nothing.
     */
    static void updateHead(FusedRecurrent kernel, float[] work, int K, int V, float[] q, int qo, float[] k, int ko, float[] v, int vo,
                           float gScalar, float[] gk, int go, float scale, float[] S, int so, float[] z, int zo,
                           float[] o, int oo) {
        // StrictMath: the same bits in every JIT tier, so step and recurrent agree exactly (once per token and head)
        float decay = gk == null ? (float) StrictMath.exp(gScalar) : 1f;
        kernel.token(S, so, K, V, decay, gk, go, work, k, ko, v, vo, 1f, q, qo, scale, o, oo);
        if (z != null) {
            float denom = 0f;
            for (int i = 0; i < K; i++) {
                z[zo + i] += k[ko + i];
                denom += q[qo + i] * scale * z[zo + i];
            }
            float inv = 1f / (denom + 1e-10f);
            for (int j = 0; j < V; j++) o[oo + j] *= inv;
        }
    }
}
