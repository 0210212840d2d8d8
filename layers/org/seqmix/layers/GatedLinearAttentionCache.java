package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * Decoding cache of {@link GatedLinearAttention}: the recurrent state {@code [B, H, K, V]} plus the per-token
 * scratch the step form writes into (so a step allocates nothing).
 */
public final class GatedLinearAttentionCache implements MixerCache {
    final int batch;
    long tokens;
    final Tensor state;
    // step scratch: projections of one token for the whole batch, and views over them for the kernel
    final float[] q, k, v, gk, gate, o, normed, kKv, vKv, gkKv, lowRank;
    final Tensor qT, kT, vT, gkT, oT;

    GatedLinearAttentionCache(int batch, int H, int HKV, int K, int V, int rank) {
        this.batch = org.seqmix.core.Shapes.positive("batch", batch);
        state = Tensor.zeros(batch, H, K, V);
        q = new float[batch * H * K];
        k = new float[batch * H * K];
        v = new float[batch * H * V];
        gk = new float[batch * H * K];
        gate = new float[H * V];
        o = new float[batch * H * V];
        normed = new float[H * V];
        kKv = new float[HKV * K];
        vKv = new float[HKV * V];
        gkKv = new float[HKV * K];
        lowRank = new float[rank];
        qT = Tensor.of(q, batch, H, K);
        kT = Tensor.of(k, batch, H, K);
        vT = Tensor.of(v, batch, H, V);
        gkT = Tensor.of(gk, batch, H, K);
        oT = Tensor.of(o, batch, H, V);
    }

    /** The recurrent state [B, H, K, V] (live view). */
    public Tensor state() { return state; }

    @Override public int batch() { return batch; }
    @Override public long tokens() { return tokens; }
    @Override public long bytes() { return 4L * state.numel(); }

    @Override public void reset() {
        state.fill(0f);
        tokens = 0;
    }
}
