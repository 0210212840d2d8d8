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

    /** Per-worker scratch: K-sized decay / b∘k / q·scale rows and V-sized Sᵀ(b∘k) and v'. */
    static final class Scratch {
        final float[] dec, bkv, qs, kv, u;

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
        float d = 1f;
        float[] decay = null;
        if (g != null) {
            if (channel) {
                ops.exp(g, go, sc.dec, 0, kd);
                decay = sc.dec;
            } else {
                d = (float) Math.exp(g[go]);
            }
        }
        if (bk == null) {
            for (int i = 0; i < kd; i++) sc.bkv[i] = beta * k[ko + i];
        } else {
            ops.mul(bk, bkO, k, ko, sc.bkv, 0, kd);
        }
        ker.decayProject(s, so, kd, vd, decay, 0, d, sc.bkv, 0, sc.kv);
        float[] u = sc.u, kv = sc.kv;
        if (bk == null) {
            for (int j = 0; j < vd; j++) u[j] = beta * v[vo + j] - kv[j];
        } else {
            for (int j = 0; j < vd; j++) u[j] = wv[wvO + j] * v[vo + j] - kv[j];
        }
        for (int i = 0; i < kd; i++) sc.qs[i] = scale * q[qo + i];
        ker.updateQuery(s, so, kd, vd, k, ko, u, sc.qs, 0, o, oo);
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
            Scratch sc = new Scratch(kd, vd);
            int bi = p.batchOf(seq), start = p.seqStart(seq), len = p.seqLen(seq);
            for (int pos = start; pos < start + len; pos++) {
                int tok = p.token(bi, pos), th = tok * hv + head;
                token(ker, ops, fa, so, kd, vd,
                        p.q, p.qo + (tok * p.h + qh) * kd, p.k, p.ko + (tok * p.h + qh) * kd, p.v, p.vo + th * vd,
                        p.g, p.g == null ? 0 : p.go + (p.channelGate ? th * kd : th), p.channelGate,
                        p.beta == null ? 0f : p.beta[p.betaO + th], p.bk, p.bkO + th * kd, p.wv, p.wvO + th * vd,
                        p.scale, oa, th * vd, sc);
            }
        });
        return new DeltaRuleOutput(o, outputFinalState ? fin : null);
    }
}
