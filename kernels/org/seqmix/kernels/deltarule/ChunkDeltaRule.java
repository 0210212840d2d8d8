package org.seqmix.kernels.deltarule;

import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.ChunkMatmul;
import org.seqmix.kernels.Gemm;
import org.seqmix.kernels.Triangular;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Chunkwise form (fla's {@code chunk_gated_delta_rule} / {@code chunk_kda}, WY/UT representation). Per chunk of
 * L <= C tokens with G = within-chunk cumulative log decay (per key channel; a scalar gate is broadcast):
 * <pre>
 *   M_tj = Σ_c b_tc k_tc k_jc exp(G_tc - G_jc)  (j < t),   A = (I + M)^-1   (forward substitution)
 *   U = A (w∘V),  W = A (exp(G)∘b∘K),  V_new = U - W S
 *   O = (scale·Q∘exp(G)) S + P V_new,  P_tj = scale Σ_c q_tc k_jc exp(G_tc - G_jc)  (j <= t)
 *   S = diag(exp(G_last)) S + (K∘exp(G_last - G))ᵀ V_new
 * </pre>
 * Every exponent used is <= 0: scalar gates use exp(G_t - G_j) directly; channel gates compute the
 * off-diagonal 16x16 blocks of M and P as GEMMs with the last token r of the earlier block as reference
 * (exp(G_t - G_r) and exp(G_r - G_j) are both <= 1) and the diagonal blocks element by element.
 */
final class ChunkDeltaRule {
    /** Sub-block size for channel-wise decays. */
    static final int SUB = 16;

    private ChunkDeltaRule() {}

    static DeltaRuleOutput run(Problem p, boolean outputFinalState, int chunkSize) {
        int kd = p.kd, vd = p.vd, hv = p.hv;
        Tensor o = Tensor.zeros(p.b, p.t, hv, vd);
        Tensor fin = Tensor.zeros(p.n, hv, kd, vd);
        float[] oa = o.data(), fa = fin.data();
        Tensor init = p.initialState;
        Parallel.forRange(p.n * hv, item -> {
            int so = item * kd * vd;
            if (init != null) System.arraycopy(init.data(), init.offset() + so, fa, so, kd * vd);
            new Worker(p, Math.min(chunkSize, Math.max(1, p.seqLen(item / hv)))).sequence(item / hv, item % hv, fa, so, oa);
        });
        return new DeltaRuleOutput(o, outputFinalState ? fin : null);
    }

    /** Scratch of one (sequence, value head) item. */
    private static final class Worker {
        final Problem p;
        final int c, kd, vd;
        final float[] kc, qs, ab, gk, gs, eg, m, pm, a, rv, rk, u, w, kh, khT, ci, xi, ex;
        final VectorOps ops = VectorizationProvider.ops();
        final ChunkMatmul mm = ChunkMatmul.get();

        Worker(Problem p, int c) {
            this.p = p;
            this.c = c;
            kd = p.kd;
            vd = p.vd;
            kc = new float[c * kd];
            qs = new float[c * kd];
            ab = new float[c * kd];
            gk = new float[c * kd];
            gs = new float[c];
            eg = new float[c];
            m = new float[c * c];
            pm = new float[c * c];
            a = new float[c * c];
            rv = new float[c * vd];
            rk = new float[c * kd];
            u = new float[c * vd];
            w = new float[c * kd];
            kh = new float[c * kd];
            khT = new float[kd * c];
            ex = new float[c * kd];
            ci = new float[SUB * kd];
            xi = new float[SUB * Math.max(kd, c)];
        }

        void sequence(int seq, int head, float[] s, int so, float[] oa) {
            int bi = p.batchOf(seq), start = p.seqStart(seq), len = p.seqLen(seq);
            for (int c0 = 0; c0 < len; c0 += c) {
                chunk(p.token(bi, start + c0), Math.min(c, len - c0), head, s, so, oa);
            }
        }

        /** One chunk of l tokens starting at flat token tok0. */
        private void chunk(int tok0, int l, int head, float[] s, int so, float[] oa) {
            int hv = p.hv, qh = head / (p.hv / p.h);
            // gather k, scale·q, a = b∘k, cumulative log decays G ([l] for a scalar gate, else [l, K]), rv = w∘v
            boolean ch = p.channelGate && p.g != null;
            for (int t = 0; t < l; t++) {
                int tok = tok0 + t, th = tok * hv + head, qk = (tok * p.h + qh) * kd, r = t * kd;
                // vector ops, not scalar loops: these rows are gathered once per token and head (~20% of a call)
                System.arraycopy(p.k, p.ko + qk, kc, r, kd);
                System.arraycopy(p.q, p.qo + qk, qs, r, kd);
                if (p.l2normPending) {
                    // on the gathered rows, as Problem.l2normalize would on whole copies (same ops, same bits)
                    ops.l2Normalize(kc, r, RecurrentDeltaRule.L2_EPS, kd);
                    ops.l2Normalize(qs, r, RecurrentDeltaRule.L2_EPS, kd);
                }
                ops.scale(p.scale, qs, r, kd);
                if (p.bk == null) {
                    System.arraycopy(kc, r, ab, r, kd);
                    ops.scale(p.beta[p.betaO + th], ab, r, kd);
                } else {
                    ops.mul(p.bk, p.bkO + th * kd, kc, r, ab, r, kd);
                }
                if (ch) {
                    for (int i = 0; i < kd; i++) gk[r + i] = (t == 0 ? 0f : gk[r - kd + i]) + p.g[p.go + th * kd + i];
                } else {
                    gs[t] = (t == 0 ? 0f : gs[t - 1]) + (p.g == null ? 0f : p.g[p.go + th]);
                }
                int vo = p.vo + th * vd, rr = t * vd;
                if (p.bk == null) {
                    System.arraycopy(p.v, vo, rv, rr, vd);
                    ops.scale(p.beta[p.betaO + th], rv, rr, vd);
                } else {
                    ops.mul(p.wv, p.wvO + th * vd, p.v, vo, rv, rr, vd);
                }
            }
            if (ch) pairwiseChannel(l);
            else pairwiseScalar(l);
            invertUnitLower(l);
            // rk = exp(G)∘b∘k; qs <- exp(G)∘scale·q (after P was built from the plain qs)
            int n = l * kd;
            if (ch) {
                ops.exp(gk, 0, ex, 0, n);
                ops.mul(ex, 0, ab, 0, rk, 0, n);
                ops.mul(ex, 0, qs, 0, qs, 0, n);
            } else {
                ops.exp(gs, 0, eg, 0, l);
                for (int t = 0; t < l; t++) {
                    float e = eg[t];
                    int r = t * kd;
                    for (int i = 0; i < kd; i++) {
                        rk[r + i] = e * ab[r + i];
                        qs[r + i] *= e;
                    }
                }
            }
            mm.mul(l, vd, l, 1f, a, 0, c, 1, rv, 0, vd, u, 0, vd, false);
            mm.mul(l, kd, l, 1f, a, 0, c, 1, rk, 0, kd, w, 0, kd, false);
            // V_new = U - W S
            mm.mul(l, vd, kd, -1f, w, 0, kd, 1, s, so, vd, u, 0, vd, true);
            // O = Q~ S + P V_new, written straight into o [B, T, HV, V] (row stride HV*V)
            int oo = (tok0 * hv + head) * vd, ldo = hv * vd;
            mm.mul(l, vd, kd, 1f, qs, 0, kd, 1, s, so, vd, oa, oo, ldo, false);
            mm.mul(l, vd, l, 1f, pm, 0, c, 1, u, 0, vd, oa, oo, ldo, true);
            // S = diag(exp(G_last)) S + (K∘exp(G_last - G))ᵀ V_new; khT [K, l] (row stride c) so the product is A B
            if (ch) {
                int last = (l - 1) * kd;
                for (int t = 0; t < l; t++) {
                    for (int i = 0; i < kd; i++) ex[t * kd + i] = gk[last + i] - gk[t * kd + i];
                }
                ops.exp(ex, 0, ex, 0, n);
                ops.mul(ex, 0, kc, 0, kh, 0, n);
                transpose(kh, l, kd, khT);
                ops.exp(gk, last, ex, 0, kd);
                for (int i = 0; i < kd; i++) ops.scale(ex[i], s, so + i * vd, vd);
            } else {
                for (int t = 0; t < l; t++) eg[t] = gs[l - 1] - gs[t];
                ops.exp(eg, 0, eg, 0, l);
                for (int i = 0; i < kd; i++) {
                    int r = i * c;
                    for (int t = 0; t < l; t++) khT[r + t] = eg[t] * kc[t * kd + i];
                }
                ops.scale((float) Math.exp(gs[l - 1]), s, so, kd * vd);
            }
            mm.mul(kd, vd, l, 1f, khT, 0, c, 1, u, 0, vd, s, so, vd, true);
        }

        /** dst [cols, rows] (row stride c) = src [rows, cols]ᵀ. */
        private void transpose(float[] src, int rows, int cols, float[] dst) {
            for (int t = 0; t < rows; t++) {
                for (int i = 0; i < cols; i++) dst[i * c + t] = src[t * cols + i];
            }
        }

        /** Scalar gate: M = (a Kᵀ)∘Γ strictly lower, P = (qs Kᵀ)∘Γ lower, Γ_tj = exp(G_t - G_j) <= 1. */
        private void pairwiseScalar(int l) {
            transpose(kc, l, kd, khT);
            mm.mul(l, l, kd, 1f, ab, 0, kd, 1, khT, 0, c, m, 0, c, false);
            mm.mul(l, l, kd, 1f, qs, 0, kd, 1, khT, 0, c, pm, 0, c, false);
            int lanes = ops.lanes();
            for (int t = 0; t < l; t++) {
                int rt = t * c;
                // exps over whole vectors (entries past t computed and dropped): a row's scalar Math.exp tail cost
                // more than its vector part
                int len = Math.min(l, (t + lanes) / lanes * lanes);
                for (int j = 0; j < len; j++) eg[j] = gs[t] - gs[j];
                ops.exp(eg, 0, eg, 0, len);
                ops.mul(m, rt, eg, 0, m, rt, t);
                ops.mul(pm, rt, eg, 0, pm, rt, t);
                m[rt + t] = 0f;
                pm[rt + t] *= eg[t];
                java.util.Arrays.fill(m, rt + t + 1, rt + l, 0f);
                java.util.Arrays.fill(pm, rt + t + 1, rt + l, 0f);
            }
        }

        /** Channel gates: off-diagonal SUB-blocks as GEMMs about a reference token, diagonal blocks exactly. */
        private void pairwiseChannel(int l) {
            java.util.Arrays.fill(m, 0f);
            java.util.Arrays.fill(pm, 0f);
            for (int i0 = 0; i0 < l; i0 += SUB) {
                int i1 = Math.min(l, i0 + SUB), ni = i1 - i0;
                for (int j0 = 0; j0 < i0; j0 += SUB) {
                    int j1 = j0 + SUB, r = (j1 - 1) * kd;
                    for (int j = j0; j < j1; j++) {
                        for (int x = 0; x < kd; x++) ci[(j - j0) * kd + x] = kc[j * kd + x] * (float) Math.exp(gk[r + x] - gk[j * kd + x]);
                    }
                    for (int t = i0; t < i1; t++) {
                        for (int x = 0; x < kd; x++) xi[(t - i0) * kd + x] = ab[t * kd + x] * (float) Math.exp(gk[t * kd + x] - gk[r + x]);
                    }
                    Gemm.sgemm(false, true, ni, SUB, kd, 1f, xi, 0, kd, ci, 0, kd, 0f, m, i0 * c + j0, c);
                    for (int t = i0; t < i1; t++) {
                        for (int x = 0; x < kd; x++) xi[(t - i0) * kd + x] = qs[t * kd + x] * (float) Math.exp(gk[t * kd + x] - gk[r + x]);
                    }
                    Gemm.sgemm(false, true, ni, SUB, kd, 1f, xi, 0, kd, ci, 0, kd, 0f, pm, i0 * c + j0, c);
                }
                for (int t = i0; t < i1; t++) {
                    for (int j = i0; j <= t; j++) {
                        float sm = 0f, sp = 0f;
                        for (int x = 0; x < kd; x++) {
                            float e = kc[j * kd + x] * (float) Math.exp(gk[t * kd + x] - gk[j * kd + x]);
                            sm += ab[t * kd + x] * e;
                            sp += qs[t * kd + x] * e;
                        }
                        if (j < t) m[t * c + j] = sm;
                        pm[t * c + j] = sp;
                    }
                }
            }
        }

        /**
         * a = (I + M)^-1 for strictly lower M, by SUB-row blocks (fla's solve_tril): the diagonal block by forward
         * substitution, then the block row left of it as two products, A[i, <i] = -A_ii (M[i, <i] A[<i, <i]),
         * since row block i of (I + M) A = I reads A[<i, <i] (already known) and A_ii only.
         */
        private void invertUnitLower(int l) {
            for (int i0 = 0; i0 < l; i0 += SUB) {
                int i1 = Math.min(l, i0 + SUB), ni = i1 - i0, ri = i0 * c;
                Triangular.invertUnitLower(m, ri + i0, c, ni, a, ri + i0, c);
                if (i0 > 0) {
                    mm.mul(ni, i0, i0, 1f, m, ri, c, 1, a, 0, c, xi, 0, c, false);
                    mm.mul(ni, i0, ni, -1f, a, ri + i0, c, 1, xi, 0, c, a, ri, c, false);
                }
                for (int t = i0; t < i1; t++) java.util.Arrays.fill(a, t * c + i1, t * c + l, 0f);
            }
        }
    }
}
