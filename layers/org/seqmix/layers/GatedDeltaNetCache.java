package org.seqmix.layers;

import org.seqmix.core.Tensor;
import org.seqmix.kernels.deltarule.DeltaRuleStep;

/**
 * Decoding cache of the delta-rule layers ({@link GatedDeltaNet}, {@link KimiDeltaAttention},
 * {@link GatedDeltaNet2}): the q/k/v conv states {@code [B, D, W-1]} (null without short conv), the recurrent state
 * {@code [B, HV, K, V]}, and the preallocated scratch that makes {@code step} allocation-free.
 */
public final class GatedDeltaNetCache implements MixerCache {
    final Object owner;
    final int batch;
    final Tensor convQ, convK, convV, state;
    final DeltaRuleStep step;
    long tokens;

    // step scratch, [B, ...] rows
    final float[] qp, kp, vp, lowRank, gh, bh, onorm, gate;
    final Tensor qpT, kpT, vpT, qT, kT, vT, q3, k3, v3, gT, betaT, bT, wT, oT;

    GatedDeltaNetCache(Object owner, int batch, int h, int hv, int kd, int vd, int convSize, boolean shortConv,
                       boolean channelGate, int lowRankDim, float scale) {
        this.owner = owner;
        this.batch = batch;
        int keyDim = h * kd, valueDim = hv * vd;
        convQ = shortConv ? Tensor.zeros(batch, keyDim, convSize - 1) : null;
        convK = shortConv ? Tensor.zeros(batch, keyDim, convSize - 1) : null;
        convV = shortConv ? Tensor.zeros(batch, valueDim, convSize - 1) : null;
        state = Tensor.zeros(batch, hv, kd, vd);
        step = new DeltaRuleStep(batch, h, hv, kd, vd, scale, true);
        qp = new float[batch * keyDim];
        kp = new float[batch * keyDim];
        vp = new float[batch * valueDim];
        qpT = Tensor.of(qp, batch, keyDim);
        kpT = Tensor.of(kp, batch, keyDim);
        vpT = Tensor.of(vp, batch, valueDim);
        qT = Tensor.zeros(batch, keyDim);
        kT = Tensor.zeros(batch, keyDim);
        vT = Tensor.zeros(batch, valueDim);
        q3 = qT.reshape(batch, h, kd);
        k3 = kT.reshape(batch, h, kd);
        v3 = vT.reshape(batch, hv, vd);
        lowRank = new float[batch * Math.max(1, lowRankDim)];
        gh = new float[batch * Math.max(keyDim, hv)];
        bh = new float[batch * Math.max(keyDim, hv)];
        gT = channelGate ? Tensor.zeros(batch, hv, kd) : Tensor.zeros(batch, hv);
        betaT = Tensor.zeros(batch, hv);
        bT = Tensor.zeros(batch, hv, kd);
        wT = Tensor.zeros(batch, hv, vd);
        oT = Tensor.zeros(batch, hv, vd);
        onorm = new float[batch * valueDim];
        gate = new float[batch * valueDim];
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public long tokens() {
        return tokens;
    }

    @Override
    public long bytes() {
        long n = state.numel();
        if (convQ != null) n += convQ.numel() + convK.numel() + convV.numel();
        return 4L * n;
    }

    /** The recurrent state {@code [B, HV, K, V]} (live view). */
    public Tensor recurrentState() {
        return state;
    }

    @Override
    public void reset() {
        state.fill(0f);
        if (convQ != null) {
            convQ.fill(0f);
            convK.fill(0f);
            convV.fill(0f);
        }
        tokens = 0;
    }

    /** Checks that this cache was made by {@code layer} for {@code b} sequences. */
    static GatedDeltaNetCache of(MixerCache c, Object layer, int b) {
        if (!(c instanceof GatedDeltaNetCache g) || g.owner != layer) {
            throw new IllegalArgumentException("cache: expected a cache made by this layer's newCache, got " + c);
        }
        if (g.batch != b) throw new IllegalArgumentException("cache: made for batch " + g.batch + ", got input batch " + b);
        return g;
    }
}
