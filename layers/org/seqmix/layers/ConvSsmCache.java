package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * The decoding state of the Mamba layers, mamba_ssm's {@code (conv_state, ssm_state)} pair: the causal conv's last
 * {@code d_conv - 1} inputs {@code [B, channels, d_conv-1]} and the SSM state, plus the token count.
 */
abstract sealed class ConvSsmCache implements MixerCache permits MambaCache, Mamba2Cache {
    final int batch;
    final Tensor conv, ssm;
    long tokens;

    ConvSsmCache(int batch, Tensor conv, Tensor ssm) {
        this.batch = batch;
        this.conv = conv;
        this.ssm = ssm;
    }

    /** The conv state {@code [B, channels, d_conv-1]} (live, not a copy). */
    public Tensor convState() { return conv; }

    /** The SSM state (live, not a copy). */
    public Tensor ssmState() { return ssm; }

    @Override public int batch() { return batch; }
    @Override public long tokens() { return tokens; }
    @Override public long bytes() { return 4L * (conv.numel() + ssm.numel()); }

    @Override
    public void reset() {
        conv.fill(0f);
        ssm.fill(0f);
        tokens = 0;
    }

    /** After a whole-sequence forward of {@code t} tokens: the new conv and SSM states. */
    void advance(Tensor convFinal, Tensor ssmFinal, int t) {
        convFinal.copyInto(conv);
        ssmFinal.copyInto(ssm);
        tokens += t;
    }

    /**
     * {@code cache} as a {@code type} for {@code batch} sequences, or null for no cache; {@code fits}: it is one
     * and its states have the layer's shapes. Allocation-free unless it throws.
     */
    static <C extends ConvSsmCache> C check(MixerCache cache, Class<C> type, boolean fits, int batch) {
        if (cache == null) return null;
        if (!fits) throw new IllegalArgumentException("cache: expected a " + type.getSimpleName() + " from this layer's newCache, got " + cache);
        C c = type.cast(cache);
        if (c.batch != batch) throw new IllegalArgumentException("cache: expected batch " + batch + " (B of x), got a cache for batch " + c.batch);
        return c;
    }
}
