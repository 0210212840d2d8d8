package org.seqmix.kernels.linear;

import org.seqmix.core.Parallel;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.ChunkMatmul;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Chunkwise form of the linear-attention family. Per (sequence, head) and chunk of C tokens, with
 * {@code b = cumsum(g)} inside the chunk (every exponent below is <= 0, so nothing overflows):
 * <pre>
 *   O  = diag(exp(b)) (Q S)                          inter-chunk, through the [K, V] state
 *   O += ((Q Kᵀ) ∘ exp(b_i - b_j) ∘ [j <= i]) V       intra-chunk, a masked decay-weighted C x C product
 *   S  = exp(b_last) S + (K ∘ exp(b_last - b))ᵀ V     state handed to the next chunk
 * </pre>
 * For the per-key gate (GLA) the decay does not factor out of {@code Q Kᵀ}: queries are split into sub-blocks of
 * {@link #SUB} rows referenced at the sub-block's first row r, keys before r enter as
 * {@code (Q ∘ exp(b_i - b_r)) (K ∘ exp(b_r - b_j))ᵀ}, keys inside the sub-block the same way when the sub-block's
 * decay span is at most {@link #MAX_SPAN} (factors stay normal floats), else pairwise.
 */
final class ChunkGla {
    static final int SUB = 16;
    /**
     * Largest log-decay span of a GLA sub-block whose diagonal block is computed as a product of
     * {@code exp(b_i - b_r)} (>= e^-30, normal floats) and {@code exp(b_r - b_j)} (<= e^30) factors.
     */
    static final float MAX_SPAN = 30f;
    /** Row lengths of the decay mask are rounded up to this (the widest float vector: 16 lanes on AVX-512). */
    private static final int VEC = 16;

    /** Heads per parallel item (see {@link #run}). */
    static final int HEAD_GROUP = 4;

    private ChunkGla() {}

    static GlaOutput run(GlaProblem p, int chunkSize, boolean outputFinalState) {
        Shapes.positive("chunk_size", chunkSize);
        final int H = p.H, K = p.K, V = p.V;
        Tensor o = Tensor.zeros(p.B, p.T, H, V);
        Tensor fin = outputFinalState ? Tensor.zeros(p.N, H, K, V) : null;
        Tensor zs = p.normalize ? Tensor.zeros(p.N, H, K) : null;
        int C = Math.min(chunkSize, Math.max(1, p.T));
        // items are (sequence, group of heads), the group's heads walked chunk by chunk together: their q/k/v/g
        // rows of a token are adjacent, read as one run instead of single rows H·K floats apart (a new page each)
        // (smaller groups when there are few heads, so every thread gets one: a head computes the same in any group)
        int g = Math.max(1, Math.min(HEAD_GROUP, p.N * H / Parallel.threads()));
        int groups = (H + g - 1) / g;
        Parallel.forRange(p.N * groups, item -> {
            int n = item / groups, h0 = item % groups * g, hn = Math.min(H, h0 + g) - h0;
            Worker[] ws = new Worker[hn];
            try {
                for (int k = 0; k < hn; k++) (ws[k] = Worker.take(p, C, k)).begin(n, h0 + k);
                for (int c0 = p.seqStart(n), end = p.seqEnd(n); c0 < end; c0 += C) {
                    for (int k = 0; k < hn; k++) ws[k].chunk(n, h0 + k, c0, o);
                }
                for (int k = 0; k < hn; k++) ws[k].end(n, h0 + k, fin, zs);
            } finally {
                for (Worker w : ws) if (w != null) w.busy = false;
            }
        });
        return new GlaOutput(o, fin, zs);
    }

    /**
     * Scratch of one (sequence, head) item, kept per thread and reused by the next item and call with the same
     * sizes (no allocation per item or per chunk); a busy one (re-entered through a nested parallel call) is
     * never shared.
     */
    private static final class Worker {
        private static final ThreadLocal<Worker[]> CACHE = ThreadLocal.withInitial(() -> new Worker[HEAD_GROUP]);

        GlaProblem p;
        boolean busy;
        final int C, K, V;
        final float[] S, z, Q, Kc, KcT, Vc, A, b, tmp, Qr, Kr, Qi, er;
        final VectorOps ops = VectorizationProvider.ops();
        final ChunkMatmul mm = ChunkMatmul.get();

        /** The thread's worker for head {@code slot} of a group. */
        static Worker take(GlaProblem p, int C, int slot) {
            Worker[] cache = CACHE.get();
            Worker w = cache[slot];
            if (w == null || w.busy || w.C != C || w.K != p.K || w.V != p.V || (w.Q != null) != (p.gate == GlaProblem.Gate.KEY)
                    || (w.z != null) != p.normalize) {
                Worker fresh = new Worker(p, C);
                if (w == null || !w.busy) cache[slot] = fresh;
                w = fresh;
            }
            w.p = p;
            w.busy = true;
            return w;
        }

        Worker(GlaProblem p, int C) {
            this.p = p;
            this.C = C;
            K = p.K;
            V = p.V;
            S = new float[K * V];
            z = p.normalize ? new float[K] : null;
            boolean key = p.gate == GlaProblem.Gate.KEY;
            // scalar gates read q and v in place and write o in place; GLA works on copies
            Q = key ? new float[C * K] : null;
            Kc = new float[C * K];
            KcT = new float[K * C];
            Vc = key ? new float[C * V] : null;
            A = new float[C * C];
            b = new float[key ? C * K : C];
            tmp = new float[Math.max(K, C)];
            Qr = key ? new float[SUB * K] : null;
            Kr = key ? new float[C * K] : null;
            Qi = key ? new float[C * K] : null;
            er = key ? new float[K] : null;
        }

        /** Starts sequence n, head h: the state from initial_state or zeros. */
        void begin(int n, int h) {
            java.util.Arrays.fill(S, 0f);
            if (z != null) java.util.Arrays.fill(z, 0f);
            p.loadInitial(n, h, S, z);
        }

        /** The chunk of sequence n, head h starting at token c0. */
        void chunk(int n, int h, int c0, Tensor o) {
            int bi = p.batch(n), L = Math.min(C, p.seqEnd(n) - c0);
            if (p.gate == GlaProblem.Gate.KEY) {
                gather(bi, h, c0, L);
                chunkKey(L, o.data(), p.row(bi, c0, h) * V, p.H * V);
            } else {
                gatherScalar(bi, h, c0, L);
                chunkScalar(L, p.row(bi, c0, h), o.data());
                if (p.normalize) normalize(L, p.row(bi, c0, h), o.data());
            }
        }

        /** Writes the final state (and key sum) of sequence n, head h when asked. */
        void end(int n, int h, Tensor fin, Tensor zs) {
            if (fin != null) System.arraycopy(S, 0, fin.data(), (n * p.H + h) * K * V, K * V);
            if (zs != null) System.arraycopy(z, 0, zs.data(), (n * p.H + h) * K, K);
        }

        /** Copies the chunk's q (scaled), k, v and the within-chunk cumulative log decays b [L, K] (GLA). */
        void gather(int bi, int h, int c0, int L) {
            for (int i = 0; i < L; i++) {
                int r = p.row(bi, c0 + i, h);
                System.arraycopy(p.q, p.qo + r * K, Q, i * K, K);
                ops.scale(p.scale, Q, i * K, K);
                System.arraycopy(p.k, p.ko + r * K, Kc, i * K, K);
                System.arraycopy(p.v, p.vo + r * V, Vc, i * V, V);
                // the running sum reads g in place (a copy then an add in place stalled on store forwarding)
                if (i > 0) ops.add(b, (i - 1) * K, p.g, p.go + r * K, b, i * K, K);
                else System.arraycopy(p.g, p.go + r * K, b, 0, K);
            }
        }

        /**
         * Scalar gates: only k is copied, row-major (for the transpose and the normalizer's key sum) and transposed
         * [K, C] (right operand of {@code Q Kᵀ}, then rescaled as left operand of the state update); q and v are
         * read in place.
         */
        void gatherScalar(int bi, int h, int c0, int L) {
            for (int i = 0; i < L; i++) {
                int src = p.ko + p.row(bi, c0 + i, h) * K;
                System.arraycopy(p.k, src, Kc, i * K, K);
                b[i] = (i > 0 ? b[i - 1] : 0f) + p.scalarGate(bi, c0 + i, h);
            }
            transposeK(L);
        }

        /** KcT = Kcᵀ over the first L rows. */
        void transposeK(int L) {
            transpose(Kc, L, KcT);
        }

        /**
         * dst [K, C] = srcᵀ for the first L rows of src [C, K] (into dst's first L columns), eight rows at a time: eight sequential load streams
         * and eight contiguous stores per column (a row-by-row scatter, strided stores, cost 4x more).
         */
        void transpose(float[] src, int L, float[] dst) {
            transpose(src, 0, L, dst);
        }

        /** The same for rows [from, to). */
        void transpose(float[] src, int from, int to, float[] dst) {
            int i = from, L = to;
            for (; i + 8 <= L; i += 8) {
                int r = i * K;
                for (int kk = 0, t = i; kk < K; kk++, t += C) {
                    dst[t] = src[r + kk];
                    dst[t + 1] = src[r + K + kk];
                    dst[t + 2] = src[r + 2 * K + kk];
                    dst[t + 3] = src[r + 3 * K + kk];
                    dst[t + 4] = src[r + 4 * K + kk];
                    dst[t + 5] = src[r + 5 * K + kk];
                    dst[t + 6] = src[r + 6 * K + kk];
                    dst[t + 7] = src[r + 7 * K + kk];
                }
            }
            for (; i < L; i++) for (int kk = 0; kk < K; kk++) dst[kk * C + i] = src[i * K + kk];
        }

        /**
         * Scalar decay per token (linear attention, simple GLA, Lightning); q, v read and o written in place on the
         * token-major tensors (row stride H·K or H·V), the scale folded into the GEMMs' alpha.
         */
        void chunkScalar(int L, int r0, float[] od) {
            int ldq = p.H * K, ldv = p.H * V, qo = p.qo + r0 * K, vo = p.vo + r0 * V, oo = r0 * V;
            boolean gated = p.gate != GlaProblem.Gate.NONE;
            // inter: O_i = exp(b_i) (q_i·scale) S
            mm.mul(L, V, K, p.scale, p.q, qo, ldq, 1, S, 0, V, od, oo, ldv, false);
            if (gated) {
                ops.exp(b, 0, tmp, 0, L);
                for (int i = 0; i < L; i++) ops.scale(tmp[i], od, oo + i * ldv, V);
            }
            // intra: ((Q·scale) Kᵀ ∘ exp(b_i - b_j), j <= i) V; the exponents are <= 0, one vector exp per row, its
            // length rounded up to whole vectors with exp(0) past the diagonal (zeroed next) so no scalar exp tail
            mm.mul(L, L, K, p.scale, p.q, qo, ldq, 1, KcT, 0, C, A, 0, C, false);
            for (int i = 0; i < L; i++) {
                if (gated) {
                    int n = Math.min(L, (i + VEC) / VEC * VEC);
                    for (int j = 0; j <= i; j++) tmp[j] = b[i] - b[j];
                    java.util.Arrays.fill(tmp, i + 1, n, 0f);
                    ops.exp(tmp, 0, tmp, 0, n);
                    ops.mul(A, i * C, tmp, 0, A, i * C, i + 1);
                }
                java.util.Arrays.fill(A, i * C + i + 1, i * C + L, 0f);
            }
            mm.mul(L, V, L, 1f, A, 0, C, 1, p.v, vo, ldv, od, oo, ldv, true);
            // state: S = exp(b_last) S + (K ∘ exp(b_last - b_j))ᵀ V, the decays applied to the columns of Kᵀ
            if (gated) {
                float last = b[L - 1];
                ops.scale((float) Math.exp(last), S, 0, K * V);
                for (int j = 0; j < L; j++) tmp[j] = last - b[j];
                ops.exp(tmp, 0, tmp, 0, L);
                for (int kk = 0; kk < K; kk++) ops.mul(KcT, kk * C, tmp, 0, KcT, kk * C, L);
            }
            mm.mul(K, V, L, 1f, KcT, 0, C, 1, p.v, vo, ldv, S, 0, V, true);
        }

        /** Per-key decay (GLA); o rows written in place at {@code oo}, {@code ldo} apart. */
        void chunkKey(int L, float[] od, int oo, int ldo) {
            // when no decay in the chunk reaches e^-80, exp(b_i) = exp(b_i - b_r0) exp(b_r0) and
            // exp(b_last - b_j) = exp(b_last - b_ref) exp(b_ref - b_j) reuse the sub-blocks' factors (half the exps;
            // every factor <= e^80 either way, no subnormal products), else every exponential is taken directly
            float lowest = 0f;
            for (int kk = 0; kk < K; kk++) lowest = Math.min(lowest, b[(L - 1) * K + kk]);
            boolean reuse = lowest >= -80f;
            // intra, by query sub-blocks [r0, r1) referenced at row r0. Keys before r0 always go through the product
            // (both factors <= 1); keys inside the sub-block too when its decay span is small enough that the key
            // factor exp(b_r0 - b_j) >= 1 cannot overflow nor the query factor fall to subnormals, else pairwise
            // The rescaled keys stay in KcT ([K, C], columns = keys) across sub-blocks: moving the reference from row
            // ref to r0 multiplies the columns already there by exp(b_r0 - b_ref) (one exp row per sub-block), only
            // the new columns are exponentiated and transposed in
            int have = 0, ref = 0;
            for (int r0 = 0; r0 < L; r0 += SUB) {
                int r1 = Math.min(L, r0 + SUB);
                boolean factored = span(r0, r1 - 1) <= MAX_SPAN;
                int cols = factored ? r1 : r0;
                if (cols > 0 || reuse) {
                    if (reuse) ops.exp(b, r0 * K, er, 0, K);
                    for (int i = r0; i < r1; i++) {
                        expDiff(b, i * K, b, r0 * K);
                        ops.mul(Q, i * K, tmp, 0, Qr, (i - r0) * K, K);
                        // inter query row Q ∘ exp(b_i) = (Q ∘ exp(b_i - b_r0)) ∘ exp(b_r0)
                        if (reuse) ops.mul(Qr, (i - r0) * K, er, 0, Qi, i * K, K);
                    }
                }
                if (cols > 0) {
                    if (have > 0 && ref != r0) {
                        expDiff(b, r0 * K, b, ref * K);
                        for (int kk = 0; kk < K; kk++) ops.scale(tmp[kk], KcT, kk * C, have);
                    }
                    for (int j = have; j < cols; j++) {
                        expDiff(b, r0 * K, b, j * K);
                        ops.mul(Kc, j * K, tmp, 0, Kr, j * K, K);
                    }
                    transpose(Kr, have, cols, KcT);
                    have = cols;
                    ref = r0;
                    mm.mul(r1 - r0, cols, K, 1f, Qr, 0, K, 1, KcT, 0, C, A, r0 * C, C, false);
                }
                for (int i = r0; i < r1; i++) {
                    for (int j = r0; j <= i && !factored; j++) {
                        expDiff(b, i * K, b, j * K);
                        ops.mul(tmp, 0, Q, i * K, tmp, 0, K);
                        A[i * C + j] = ops.dot(tmp, 0, Kc, j * K, K);
                    }
                    for (int j = i + 1; j < L; j++) A[i * C + j] = 0f;
                }
            }
            // inter: O = (Q ∘ exp(b)) S, then the intra part added
            if (!reuse) {
                for (int i = 0; i < L; i++) {
                    ops.exp(b, i * K, tmp, 0, K);
                    ops.mul(Q, i * K, tmp, 0, Qi, i * K, K);
                }
            }
            mm.mul(L, V, K, 1f, Qi, 0, K, 1, S, 0, V, od, oo, ldo, false);
            mm.mul(L, V, L, 1f, A, 0, C, 1, Vc, 0, V, od, oo, ldo, true);
            // state: S = diag(exp(b_last)) S + (K ∘ exp(b_last - b_j))ᵀ V
            int lo = (L - 1) * K;
            ops.exp(b, lo, tmp, 0, K);
            for (int kk = 0; kk < K; kk++) ops.scale(tmp[kk], S, kk * V, V);
            if (reuse && have == L) {
                // KcT already holds every key times exp(b_ref - b_j): one more factor exp(b_last - b_ref) per channel
                expDiff(b, lo, b, ref * K);
                for (int kk = 0; kk < K; kk++) ops.scale(tmp[kk], KcT, kk * C, L);
            } else {
                for (int j = 0; j < L; j++) {
                    expDiff(b, lo, b, j * K);
                    ops.mul(Kc, j * K, tmp, 0, Kc, j * K, K);
                }
                transpose(Kc, L, KcT);
            }
            mm.mul(K, V, L, 1f, KcT, 0, C, 1, Vc, 0, V, S, 0, V, true);
        }

        /** Largest decay over the key channels between rows r and e >= r: {@code max_k b[r, k] - b[e, k]} (>= 0). */
        float span(int r, int e) {
            float m = 0f;
            for (int kk = 0; kk < K; kk++) m = Math.max(m, b[r * K + kk] - b[e * K + kk]);
            return m;
        }

        /** tmp = exp(x - y) over K channels. */
        void expDiff(float[] x, int xo, float[] y, int yo) {
            // x - y as fma(y, -1, x): exactly the difference, vectorised
            System.arraycopy(y, yo, tmp, 0, K);
            ops.scaleAdd(-1f, tmp, 0, x, xo, K);
            ops.exp(tmp, 0, tmp, 0, K);
        }

        /** Normalized linear attention: o_i /= (q_i·scale)·z_i + 1e-10, z the running key sum (k is still unscaled: no gate). */
        void normalize(int L, int r0, float[] od) {
            int ldq = p.H * K, ldv = p.H * V;
            for (int i = 0; i < L; i++) {
                ops.add(z, 0, Kc, i * K, z, 0, K);
                float d = p.scale * ops.dot(p.q, p.qo + r0 * K + i * ldq, z, 0, K) + 1e-10f;
                ops.scale(1f / d, od, r0 * V + i * ldv, V);
            }
        }
    }
}
