package org.seqmix.layers;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.Attention;
import org.seqmix.kernels.attention.AttentionMask;
import org.seqmix.kernels.attention.KVCache;

/**
 * Multi-head softmax attention with grouped kv heads (GQA) and optional RoPE, as transformers' Llama attention:
 * {@code y = o_proj(softmax(scale · q kᵀ + mask) v)} with q, k, v from {@code q_proj, k_proj, v_proj}.
 * {@code forward} runs {@link Attention#flash}; {@code step} appends to a growing {@link KVCache} of
 * {@code maxPositions} tokens and attends.
 */
public final class MultiHeadAttention implements SequenceMixer {
    /**
     * @param ropeTheta RoPE base (e.g. 10000); {@code 0} for no rotary embedding
     * @param maxPositions capacity of the decoding cache, in tokens
     */
    public record Config(int hiddenSize, int numHeads, int numKvHeads, int headDim, double ropeTheta, boolean causal, boolean bias, int maxPositions) {
        public Config {
            AttentionProjections.checkGeometry(hiddenSize, numHeads, numKvHeads, headDim, ropeTheta);
            Shapes.positive("max_positions", maxPositions);
        }
    }

    private final Config config;
    private final AttentionProjections p;

    private MultiHeadAttention(Config config, AttentionProjections p) {
        this.config = config;
        this.p = p;
    }

    /** From {@code q_proj/k_proj/v_proj/o_proj .weight} (and optional {@code .bias}). */
    public static MultiHeadAttention fromWeights(Config c, Weights w) {
        return new MultiHeadAttention(c, AttentionProjections.fromWeights(c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.ropeTheta(), w));
    }

    public static MultiHeadAttention random(Config c, long seed) {
        return new MultiHeadAttention(c, AttentionProjections.random(c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.ropeTheta(), c.bias(), seed));
    }

    /** A typical size: hidden 1024, 8 query heads and 2 kv heads of 128, RoPE 10000, causal, 4096 positions. */
    public static MultiHeadAttention demo(long seed) {
        return demo(seed, 4096);
    }

    /** {@link #demo(long)} with a decoding cache of {@code maxPositions} tokens (2 KiB each), e.g. for long-context runs. */
    public static MultiHeadAttention demo(long seed, int maxPositions) {
        return random(new Config(1024, 8, 2, 128, 10000, true, false, maxPositions), seed);
    }

    public Config config() { return config; }
    @Override public String name() { return "MultiHeadAttention"; }
    @Override public int hiddenSize() { return config.hiddenSize(); }

    private AttentionMask mask() {
        return config.causal() ? AttentionMask.CAUSAL : AttentionMask.FULL;
    }

    @Override
    public AttentionCache newCache(int batch) {
        return new AttentionCache(this, KVCache.growing(batch, config.numHeads(), config.numKvHeads(), config.headDim(), config.maxPositions(), AttentionMask.CAUSAL), null);
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        AttentionCache c = cache == null ? null : AttentionCache.of(cache, this);
        p.checkSequence(x, c == null ? -1 : c.batch);
        if (c != null && !config.causal()) throw new IllegalArgumentException("cache: a non-causal MultiHeadAttention keeps no decoding cache; pass null");
        AttentionProjections.checkRoom(c, x.dim(1));
        if (c != null && c.tokens() > 0) return AttentionProjections.stepThrough(this, x, c);
        Tensor[] qkv = p.qkv(x, 0);
        Tensor o = Attention.flash(qkv[0], qkv[1], qkv[2], p.scale, mask());
        if (c != null) c.kv.append(qkv[1], qkv[2]);
        return p.out(o);
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        AttentionCache c = AttentionCache.of(cache, this);
        p.checkStep(x, c, y);
        if (!config.causal()) throw new IllegalArgumentException("step: a non-causal MultiHeadAttention cannot decode token by token");
        AttentionProjections.checkRoom(c, 1);
        p.stepProject(x, c, c.tokens());
        Attention.decode(c.kv, c.q, c.k, c.v, p.scale, c.o);
        p.stepOut(c, y);
    }
}
