package org.seqmix.layers;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.Attention;
import org.seqmix.kernels.attention.AttentionMask;
import org.seqmix.kernels.attention.KVCache;

/**
 * Causal sliding-window attention with attention sinks: query i sees key j when {@code j <= i} and
 * ({@code i - j < window_size} or {@code j < num_sink_tokens}). GQA and optional RoPE as
 * {@link MultiHeadAttention}. The decoding cache is a ring of {@code window_size + num_sink_tokens} entries:
 * its memory does not grow with the context.
 */
public final class SlidingWindowAttention implements SequenceMixer {
    /** @param ropeTheta RoPE base; {@code 0} for none */
    public record Config(int hiddenSize, int numHeads, int numKvHeads, int headDim, int windowSize, int numSinkTokens, double ropeTheta, boolean bias) {
        public Config {
            AttentionProjections.checkGeometry(hiddenSize, numHeads, numKvHeads, headDim, ropeTheta);
            Shapes.positive("window_size", windowSize);
            Shapes.nonNegative("num_sink_tokens", numSinkTokens);
        }

        AttentionMask mask() {
            return AttentionMask.sliding(windowSize, numSinkTokens);
        }
    }

    private final Config config;
    private final AttentionProjections p;

    private SlidingWindowAttention(Config config, AttentionProjections p) {
        this.config = config;
        this.p = p;
    }

    public static SlidingWindowAttention fromWeights(Config c, Weights w) {
        return new SlidingWindowAttention(c, AttentionProjections.fromWeights(c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.ropeTheta(), w));
    }

    public static SlidingWindowAttention random(Config c, long seed) {
        return new SlidingWindowAttention(c, AttentionProjections.random(c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.ropeTheta(), c.bias(), seed));
    }

    /** A typical size: hidden 1024, 8 query heads and 2 kv heads of 128, window 512, 4 sinks, RoPE 10000. */
    public static SlidingWindowAttention demo(long seed) {
        return random(new Config(1024, 8, 2, 128, 512, 4, 10000, false), seed);
    }

    public Config config() { return config; }
    @Override public String name() { return "SlidingWindowAttention"; }
    @Override public int hiddenSize() { return config.hiddenSize(); }

    @Override
    public AttentionCache newCache(int batch) {
        return new AttentionCache(this, KVCache.sliding(batch, config.numHeads(), config.numKvHeads(), config.headDim(), config.windowSize(), config.numSinkTokens()), null);
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        AttentionCache c = cache == null ? null : AttentionCache.of(cache, this);
        p.checkSequence(x, c == null ? -1 : c.batch);
        if (c != null && c.tokens() > 0) return AttentionProjections.stepThrough(this, x, c);
        Tensor[] qkv = p.qkv(x, 0);
        Tensor o = Attention.flash(qkv[0], qkv[1], qkv[2], p.scale, config.mask());
        if (c != null) c.kv.append(qkv[1], qkv[2]);
        return p.out(o);
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        AttentionCache c = AttentionCache.of(cache, this);
        p.checkStep(x, c, y);
        p.stepProject(x, c, c.tokens());
        Attention.decode(c.kv, c.q, c.k, c.v, p.scale, c.o);
        p.stepOut(c, y);
    }
}
