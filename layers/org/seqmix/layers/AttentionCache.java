package org.seqmix.layers;

import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.BlockKVCache;
import org.seqmix.kernels.attention.KVCache;

/**
 * The decoding cache of the attention layers: a {@link KVCache} (growing, or a window + sinks ring) or a
 * {@link BlockKVCache}, plus the per-token scratch (q, k, v, o of one step) so {@code step} allocates nothing.
 */
public final class AttentionCache implements MixerCache {
    final Object owner;
    final int batch;
    final KVCache kv; // the token store (inside blocks when block-sparse)
    final BlockKVCache blocks; // null unless block-sparse
    final Tensor q, k, v, o;

    AttentionCache(Object owner, KVCache kv, BlockKVCache blocks) {
        this.owner = owner;
        this.kv = kv;
        this.blocks = blocks;
        this.batch = kv.batch();
        this.q = Tensor.zeros(batch, kv.numQueryHeads(), kv.headDim());
        this.k = Tensor.zeros(batch, kv.numKvHeads(), kv.headDim());
        this.v = Tensor.zeros(batch, kv.numKvHeads(), kv.headDim());
        this.o = Tensor.zeros(batch, kv.numQueryHeads(), kv.headDim());
    }

    @Override public int batch() { return batch; }
    @Override public long tokens() { return kv.length(); }
    @Override public long bytes() { return (blocks != null ? blocks.bytes() : kv.bytes()) + 4L * (q.numel() + k.numel() + v.numel() + o.numel()); }

    /** The key/value store. */
    public KVCache kv() { return kv; }

    @Override
    public void reset() {
        if (blocks != null) blocks.reset();
        else kv.reset();
    }

    /** Checks that this cache was made by {@code layer}'s {@code newCache}. */
    static AttentionCache of(MixerCache c, Object layer) {
        if (!(c instanceof AttentionCache a) || a.owner != layer) {
            throw new IllegalArgumentException("cache: expected a cache from this layer's newCache(batch), got " + (c == null ? "null" : c.getClass().getSimpleName()));
        }
        return a;
    }
}
