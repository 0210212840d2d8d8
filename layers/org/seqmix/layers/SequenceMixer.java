package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * A sequence-mixing layer with its two forms.
 *
 * <pre>{@code
 * MixerCache cache = layer.newCache(batch);
 * Tensor y = layer.forward(x, cache);      // prefill: x [B, T, hidden], chunkwise/parallel
 * layer.step(xToken, cache, yToken);       // decode: [B, hidden] -> [B, hidden], recurrent, in place
 * }</pre>
 *
 * {@code forward(x[0:T], cache)} followed by steps over {@code x[T:T2]} equals {@code forward(x[0:T2])}.
 * A rejected call (IllegalArgumentException) leaves the cache unchanged.
 */
public interface SequenceMixer {
    /** The class name users know it by (fla / mamba_ssm), e.g. "GatedDeltaNet". */
    String name();

    int hiddenSize();

    /** An empty decoding cache (conv states, recurrent state or KV cache) for {@code batch} sequences. */
    MixerCache newCache(int batch);

    /**
     * Whole-sequence form. {@code x [B, T, hidden]} to {@code [B, T, hidden]}. With {@code cache == null} it
     * starts from empty state and keeps none; otherwise it starts from the cache and leaves in it the state
     * after the last token.
     */
    Tensor forward(Tensor x, MixerCache cache);

    /** One token per sequence: {@code x [B, hidden]} to {@code y [B, hidden]}; updates the cache in place, allocation-free. */
    void step(Tensor x, MixerCache cache, Tensor y);

    /**
     * Whether {@code step} reproduces {@code forward} token for token (true for every mixer but dynamic top-k
     * block selection, whose decode picks blocks with the token's own query while forward uses the block's mean).
     */
    default boolean stepMatchesForward() {
        return true;
    }
}
