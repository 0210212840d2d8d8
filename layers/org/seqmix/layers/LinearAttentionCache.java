package org.seqmix.layers;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;

/**
 * Decoding cache of {@link LinearAttention} and {@link LightningAttention}: the recurrent state {@code [B, H, K, V]},
 * the running key sum {@code [B, H, K]} when the layer normalizes, and the per-token scratch of the step form.
 */
public final class LinearAttentionCache implements MixerCache {
    final int batch;
    long tokens;
    final Tensor state, keySum;
    final float[] q, k, v, o, kKv, vKv, gate, normed;
    final Tensor qT, kT, vT, oT;

    LinearAttentionCache(int batch, int H, int HKV, int K, int V, boolean normalize) {
        this.batch = Shapes.positive("batch", batch);
        state = Tensor.zeros(batch, H, K, V);
        keySum = normalize ? Tensor.zeros(batch, H, K) : null;
        q = new float[batch * H * K];
        k = new float[batch * H * K];
        v = new float[batch * H * V];
        o = new float[batch * H * V];
        kKv = new float[HKV * K];
        vKv = new float[HKV * V];
        gate = new float[H * V];
        normed = new float[H * V];
        qT = Tensor.of(q, batch, H, K);
        kT = Tensor.of(k, batch, H, K);
        vT = Tensor.of(v, batch, H, V);
        oT = Tensor.of(o, batch, H, V);
    }

    /** The recurrent state [B, H, K, V] (live view). */
    public Tensor state() { return state; }

    /** The running key sum [B, H, K] of a normalizing layer, else null (live view). */
    public Tensor keySum() { return keySum; }

    @Override public int batch() { return batch; }
    @Override public long tokens() { return tokens; }
    @Override public long bytes() { return 4L * (state.numel() + (keySum == null ? 0 : keySum.numel())); }

    @Override public void reset() {
        state.fill(0f);
        if (keySum != null) keySum.fill(0f);
        tokens = 0;
    }

    /** Checks that {@code cache} is one of these with the given sizes. */
    static LinearAttentionCache check(MixerCache cache, int batch, int H, int K, int V, boolean normalize) {
        if (!(cache instanceof LinearAttentionCache)) {
            throw new IllegalArgumentException("cache: expected a LinearAttentionCache, got " + (cache == null ? "null" : cache.getClass().getSimpleName()));
        }
        LinearAttentionCache c = (LinearAttentionCache) cache;
        if (c.state.dim(1) != H || c.state.dim(2) != K || c.state.dim(3) != V || (c.keySum != null) != normalize) {
            throw new IllegalArgumentException("cache: made for another layer shape");
        }
        if (c.batch != batch) throw new IllegalArgumentException("cache: expected batch " + batch + " (x), got a cache for batch " + c.batch);
        return c;
    }
}
