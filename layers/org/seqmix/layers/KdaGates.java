package org.seqmix.layers;

import java.util.Map;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.deltarule.DeltaRuleGates;

/**
 * The gate projections of fla's KDA ({@code kda.py}), shared with GDN-2 ({@code gdn2.py}): the channel-wise decay
 * {@code g = -exp(A_log[h]) * softplus(f_proj.1(f_proj.0 x) + dt_bias)} (or {@code lower_bound * sigmoid(exp(A_log[h])
 * * (f + dt_bias))}), {@code beta = sigmoid(b_proj x)} per q/k head (KDA) or per key channel (GDN-2's erase gate),
 * x2 with allow_neg_eigval, GDN-2's write gate {@code sigmoid(w_proj x)}, and the low-rank output gate
 * {@code g_proj.1(g_proj.0 x) + bias} (rank head_v_dim). Package-private.
 */
final class KdaGates {
    private final int h, hv, kd, vd, rank;
    private final Tensor dtBias, f0, f1, wb, ww, g0, g1, g1b;
    private final float[] expA;
    private final boolean bounded, betaPerChannel;
    private final float lowerBound, betaMul;

    /**
     * {@code lowerBound} null: the softplus decay. {@code betaPerChannel}: b_proj has key_dim rows, and w_proj is
     * present (GDN-2); else b_proj has num_heads rows (KDA).
     */
    KdaGates(Weights w, int hidden, int h, int hv, int kd, int vd, Double lowerBound, boolean allowNegEigval, boolean betaPerChannel) {
        this.h = h;
        this.hv = hv;
        this.kd = kd;
        this.vd = vd;
        this.rank = vd;
        this.bounded = lowerBound != null;
        this.lowerBound = lowerBound == null ? 0f : lowerBound.floatValue();
        this.betaMul = allowNegEigval ? 2f : 1f;
        this.betaPerChannel = betaPerChannel;
        int keyDim = h * kd, valueDim = hv * vd;
        Tensor aLog = w.get("A_log", h);
        dtBias = w.get("dt_bias", keyDim);
        f0 = w.get("f_proj.0.weight", rank, hidden);
        f1 = w.get("f_proj.1.weight", keyDim, rank);
        wb = w.get("b_proj.weight", betaPerChannel ? keyDim : h, hidden);
        ww = betaPerChannel ? w.get("w_proj.weight", valueDim, hidden) : null;
        g0 = w.get("g_proj.0.weight", rank, hidden);
        g1 = w.get("g_proj.1.weight", valueDim, rank);
        g1b = w.get("g_proj.1.bias", valueDim);
        // a non-finite decay parameter would make g NaN and fail a step after its conv states rolled
        Shapes.allFinite("A_log", aLog);
        Shapes.allFinite("dt_bias", dtBias);
        expA = new float[h];
        for (int i = 0; i < h; i++) expA[i] = (float) Math.exp(aLog.get(i));
    }

    /** Random gate weights (A = exp(A_log) uniform in [1, 16], dt_bias 0), in KDA's and GDN-2's draw order. */
    static void random(Map<String, Tensor> m, Rng r, int hidden, int numHeads, int keyDim, int valueDim, int headVDim, boolean betaPerChannel) {
        float s = (float) (1 / Math.sqrt(hidden)), sr = (float) (1 / Math.sqrt(headVDim));
        m.put("f_proj.0.weight", GatedDeltaNetBlocks.uniform(r, s, headVDim, hidden));
        m.put("f_proj.1.weight", GatedDeltaNetBlocks.uniform(r, sr, keyDim, headVDim));
        m.put("b_proj.weight", GatedDeltaNetBlocks.uniform(r, s, betaPerChannel ? keyDim : numHeads, hidden));
        if (betaPerChannel) m.put("w_proj.weight", GatedDeltaNetBlocks.uniform(r, s, valueDim, hidden));
        Tensor aLog = Tensor.zeros(numHeads);
        for (int i = 0; i < numHeads; i++) aLog.set((float) Math.log(1 + 15 * r.nextDouble()), i);
        m.put("A_log", aLog);
        m.put("dt_bias", Tensor.zeros(keyDim));
        m.put("g_proj.0.weight", GatedDeltaNetBlocks.uniform(r, s, headVDim, hidden));
        m.put("g_proj.1.weight", GatedDeltaNetBlocks.uniform(r, sr, valueDim, headVDim));
        m.put("g_proj.1.bias", GatedDeltaNetBlocks.uniform(r, sr, valueDim));
    }

    /** Decay g {@code [B, T, HV, K]} of x {@code [B, T, hidden]}. */
    Tensor decay(Tensor x) {
        int b = x.dim(0), t = x.dim(1);
        Tensor f = Linear.apply(Linear.apply(x, f0, null), f1, null);
        Tensor g = Tensor.zeros(b, t, hv, kd);
        decay(f.data(), 0, g.data(), 0, b * t);
        return g;
    }

    /** f [rows, key_dim] into g [rows, HV, K]. */
    private void decay(float[] f, int fo, float[] g, int go, int rows) {
        DeltaRuleGates.kdaGate(f, fo, expA, dtBias.data(), dtBias.offset(), h, hv, kd, bounded, lowerBound, rows, g, go);
    }

    /** beta {@code [B, T, HV]} (KDA) or the erase gate {@code [B, T, HV, K]} (GDN-2). */
    Tensor beta(Tensor x) {
        int b = x.dim(0), t = x.dim(1), width = betaPerChannel ? kd : 1;
        Tensor bh = Linear.apply(x, wb, null);
        Tensor beta = betaPerChannel ? Tensor.zeros(b, t, hv, kd) : Tensor.zeros(b, t, hv);
        DeltaRuleGates.sigmoidHeads(bh.data(), 0, h, hv, width, betaMul, b * t, beta.data(), 0);
        return beta;
    }

    /** GDN-2's write gate {@code [B, T, HV, V]}. */
    Tensor write(Tensor x) {
        int b = x.dim(0), t = x.dim(1);
        Tensor wg = Linear.apply(x, ww, null);
        DeltaRuleGates.sigmoidHeads(wg.data(), 0, hv, hv, vd, 1f, b * t, wg.data(), 0);
        return wg.reshape(b, t, hv, vd);
    }

    /** The output gate (before o_norm's sigmoid) {@code [B, T, value_dim]}. */
    Tensor outputGate(Tensor x) {
        return Linear.apply(Linear.apply(x, g0, null), g1, g1b);
    }

    /**
     * One token: from x {@code [B, hidden]} the decay into {@code c.gT}, beta into {@code c.betaT} (KDA) or
     * {@code c.bT} (GDN-2), the write gate into {@code c.wT} and the output gate into {@code c.gate}; allocation-free.
     */
    void step(Tensor x, GatedDeltaNetCache c) {
        int b = c.batch, hidden = x.dim(1), keyDim = h * kd, valueDim = hv * vd, bRows = wb.dim(0);
        float[] xa = x.data();
        for (int bi = 0; bi < b; bi++) {
            int xo = x.offset() + bi * hidden;
            Linear.gemv(f0, null, xa, xo, c.lowRank, bi * rank);
            Linear.gemv(f1, null, c.lowRank, bi * rank, c.gh, bi * keyDim);
            Linear.gemv(wb, null, xa, xo, c.bh, bi * bRows);
            if (ww != null) Linear.gemv(ww, null, xa, xo, c.wT.data(), bi * valueDim);
            Linear.gemv(g0, null, xa, xo, c.lowRank, bi * rank);
            Linear.gemv(g1, g1b, c.lowRank, bi * rank, c.gate, bi * valueDim);
        }
        decay(c.gh, 0, c.gT.data(), 0, b);
        if (betaPerChannel) {
            DeltaRuleGates.sigmoidHeads(c.bh, 0, h, hv, kd, betaMul, b, c.bT.data(), 0);
            DeltaRuleGates.sigmoidHeads(c.wT.data(), 0, hv, hv, vd, 1f, b, c.wT.data(), 0);
        } else {
            DeltaRuleGates.sigmoidHeads(c.bh, 0, h, hv, 1, betaMul, b, c.betaT.data(), 0);
        }
    }
}
