package org.seqmix.kernels.deltarule;

import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Token-by-token form: per token and value head, one decay + project pass and one update + query pass over the
 * head's {@code [K, V]} state (see {@link DeltaStepKernel}). {@link #token} is shared with the allocation-free
 * {@link DeltaRuleStep}.
 */
final class RecurrentDeltaRule {
    private RecurrentDeltaRule() {}

    /** Per-token scratch: K-sized decay / b∘k / q·scale rows and V-sized Sᵀ(b∘k) and v'. */
    static final class Scratch {
        final float[] dec, bkv, qs, kv, u;
        /** The token's decay: {@code decay} per row (null for one scalar {@code d}). */
        float[] decay;
        float d;

        Scratch(int kd, int vd) {
            dec = new float[kd];
            bkv = new float[kd];
            qs = new float[kd];
            kv = new float[vd];
            u = new float[vd];
        }
    }

    /**
     * One token of one value head on the state {@code s[so .. so + K*V)}. {@code g} null = no decay; with
     * {@code channel} it is K log decays at {@code go}, else one. {@code bk == null}: scalar {@code beta}
     * (b = w = beta); else gdn2's erase gate {@code bk[bkO..+K)} and write gate {@code wv[wvO..+V)}.
     */
    static void token(DeltaStepKernel ker, VectorOps ops, float[] s, int so, int kd, int vd,
                      float[] q, int qo, float[] k, int ko, float[] v, int vo,
                      float[] g, int go, boolean channel, float beta, float[] bk, int bkO, float[] wv, int wvO,
                      float scale, float[] o, int oo, Scratch sc) {
        prepare(ops, kd, q, qo, k, ko, g, go, channel, beta, bk, bkO, scale, sc);
        ker.decayProject(s, so, kd, vd, sc.decay, 0, sc.d, sc.bkv, 0, sc.kv);
        values(vd, v, vo, beta, bk, wv, wvO, sc);
        ker.updateQuery(s, so, kd, vd, k, ko, sc.u, sc.qs, 0, o, oo);
    }

    /** The token's decay, b∘k and scale·q into {@code sc}. */
    static void prepare(VectorOps ops, int kd, float[] q, int qo, float[] k, int ko, float[] g, int go, boolean channel,
                        float beta, float[] bk, int bkO, float scale, Scratch sc) {
        sc.d = 1f;
        sc.decay = null;
        if (g != null) {
            if (channel) {
                ops.exp(g, go, sc.dec, 0, kd);
                sc.decay = sc.dec;
            } else {
                sc.d = (float) Math.exp(g[go]);
            }
        }
        if (bk == null) {
            for (int i = 0; i < kd; i++) sc.bkv[i] = beta * k[ko + i];
        } else {
            ops.mul(bk, bkO, k, ko, sc.bkv, 0, kd);
        }
        for (int i = 0; i < kd; i++) sc.qs[i] = scale * q[qo + i];
    }

    /** v' = w∘v - Sᵀ(b∘k) from the projected {@code sc.kv}. */
    static void values(int vd, float[] v, int vo, float beta, float[] bk, float[] wv, int wvO, Scratch sc) {
        float[] u = sc.u, kv = sc.kv;
        if (bk == null) {
            for (int j = 0; j < vd; j++) u[j] = beta * v[vo + j] - kv[j];
        } else {
            for (int j = 0; j < vd; j++) u[j] = wv[wvO + j] * v[vo + j] - kv[j];
        }
    }

    /** Whole sequences, parallel over (sequence, value head). */
    static DeltaRuleOutput run(Problem p, boolean outputFinalState, DeltaStepKernel ker) {
        int kd = p.kd, vd = p.vd, hv = p.hv, group = p.hv / p.h;
        Tensor o = Tensor.zeros(p.b, p.t, hv, vd);
        Tensor fin = Tensor.zeros(p.n, hv, kd, vd);
        float[] oa = o.data(), fa = fin.data();
        Tensor init = p.initialState;
        VectorOps ops = VectorizationProvider.ops();
        Parallel.forRange(p.n * hv, item -> {
            int seq = item / hv, head = item % hv, qh = head / group;
            int so = item * kd * vd;
            if (init != null) System.arraycopy(init.data(), init.offset() + so, fa, so, kd * vd);
            // pipelined: the update + query pass of token t also decays and projects for token t+1 (one pass per token)
            Scratch cur = new Scratch(kd, vd), next = new Scratch(kd, vd);
            int bi = p.batchOf(seq), start = p.seqStart(seq), len = p.seqLen(seq);
            if (len == 0) return;
            int th = prepareToken(p, ops, bi, start, head, qh, cur);
            ker.decayProject(fa, so, kd, vd, cur.decay, 0, cur.d, cur.bkv, 0, cur.kv);
            for (int pos = start; pos < start + len; pos++) {
                int tok = p.token(bi, pos);
                values(vd, p.v, p.vo + th * vd, beta(p, th), p.bk, p.wv, p.wvO + th * vd, cur);
                int ko = p.ko + (tok * p.h + qh) * kd;
                if (pos + 1 < start + len) {
                    int thNext = prepareToken(p, ops, bi, pos + 1, head, qh, next);
                    ker.updateQueryDecayProject(fa, so, kd, vd, p.k, ko, cur.u, cur.qs, 0, oa, th * vd,
                            next.decay, 0, next.d, next.bkv, 0, next.kv);
                    Scratch t = cur;
                    cur = next;
                    next = t;
                    th = thNext;
                } else {
                    ker.updateQuery(fa, so, kd, vd, p.k, ko, cur.u, cur.qs, 0, oa, th * vd);
                }
            }
        });
        return new DeltaRuleOutput(o, outputFinalState ? fin : null);
    }

    private static float beta(Problem p, int th) {
        return p.beta == null ? 0f : p.beta[p.betaO + th];
    }

    /** prepare() for token {@code pos} of batch row {@code bi}; returns its (token, value head) index. */
    private static int prepareToken(Problem p, VectorOps ops, int bi, int pos, int head, int qh, Scratch sc) {
        int tok = p.token(bi, pos), th = tok * p.hv + head, qk = (tok * p.h + qh) * p.kd;
        prepare(ops, p.kd, p.q, p.qo + qk, p.k, p.ko + qk, p.g, p.g == null ? 0 : p.go + (p.channelGate ? th * p.kd : th),
                p.channelGate, beta(p, th), p.bk, p.bkO + th * p.kd, p.scale, sc);
        return th;
    }
}
