package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.deltarule.DeltaRule;
import org.seqmix.kernels.deltarule.DeltaRuleOutput;

/**
 * Kimi Delta Attention (fla {@code fla/layers/kda.py}): as {@link GatedDeltaNet} but with a channel-wise decay from
 * the low-rank {@code f_proj.0 / f_proj.1}: {@code g = -exp(A_log[h]) * softplus(f + dt_bias)} per key channel, or
 * {@code lower_bound * sigmoid(exp(A_log[h]) * (f + dt_bias))} when lower_bound is set; beta per q/k head
 * (repeated over grouped value heads); output {@code rmsnorm(o) * weight * sigmoid(g_proj.1(g_proj.0 x))}.
 */
public final class KimiDeltaAttention implements SequenceMixer {
    /** fla's constructor arguments ({@code lowerBound} null = softplus gate); {@code chunkSize} is ours. */
    public record Config(int hiddenSize, int headDim, int numHeads, int numVHeads, double expandV, int convSize,
                         boolean useShortConv, boolean convBias, boolean allowNegEigval, Double lowerBound, double normEps,
                         int chunkSize) {
        public Config {
            GatedDeltaNetBlocks.checkConfig(hiddenSize, headDim, numHeads, numVHeads, expandV, useShortConv, convSize, normEps, chunkSize);
            Shapes.require(lowerBound == null || (lowerBound < 0 && Double.isFinite(lowerBound)),
                    "lower_bound: expected a negative number or null, got " + lowerBound);
        }

        public int headVDim() { return GatedDeltaNetBlocks.headVDim(headDim, expandV); }
        public int keyDim() { return numHeads * headDim; }
        public int valueDim() { return numVHeads * headVDim(); }

        private static final Set<String> KEYS = Set.of("hidden_size", "head_dim", "num_heads", "num_v_heads", "expand_v",
                "conv_size", "use_short_conv", "conv_bias", "allow_neg_eigval", "lower_bound", "norm_eps", "mode", "layer_idx", "chunk_size");

        public static Config fromMap(Map<String, Object> c) {
            GatedDeltaNetBlocks.checkKeys(c, KEYS, "KimiDeltaAttention");
            int heads = GatedDeltaNetBlocks.intOr(c, "num_heads", 16);
            Object lb = c.get("lower_bound");
            return new Config(GatedDeltaNetBlocks.intOr(c, "hidden_size", 2048), GatedDeltaNetBlocks.intOr(c, "head_dim", 128),
                    heads, GatedDeltaNetBlocks.intOr(c, "num_v_heads", heads), GatedDeltaNetBlocks.doubleOr(c, "expand_v", 1.0),
                    GatedDeltaNetBlocks.intOr(c, "conv_size", 4), GatedDeltaNetBlocks.boolOr(c, "use_short_conv", true),
                    GatedDeltaNetBlocks.boolOr(c, "conv_bias", false), GatedDeltaNetBlocks.boolOr(c, "allow_neg_eigval", false),
                    lb == null ? null : ((Number) lb).doubleValue(), GatedDeltaNetBlocks.doubleOr(c, "norm_eps", 1e-5),
                    GatedDeltaNetBlocks.intOr(c, "chunk_size", DeltaRule.DEFAULT_CHUNK));
        }
    }

    private final Config cfg;
    private final GatedDeltaNetBlocks blocks;
    private final KdaGates gates;

    private KimiDeltaAttention(Config cfg, Weights w) {
        this.cfg = cfg;
        blocks = new GatedDeltaNetBlocks(w, cfg.hiddenSize(), cfg.numHeads(), cfg.numVHeads(), cfg.headDim(), cfg.headVDim(),
                cfg.useShortConv(), cfg.convSize(), cfg.convBias(), cfg.normEps(), true);
        gates = new KdaGates(w, cfg.hiddenSize(), cfg.numHeads(), cfg.numVHeads(), cfg.headDim(), cfg.headVDim(), cfg.lowerBound(),
                cfg.allowNegEigval(), false);
    }

    public static KimiDeltaAttention fromWeights(Config cfg, Weights w) {
        return new KimiDeltaAttention(cfg, w);
    }

    public static KimiDeltaAttention random(Config c, long seed) {
        Rng r = new Rng(seed);
        Map<String, Tensor> m = new java.util.HashMap<>();
        GatedDeltaNetBlocks.randomQkv(m, r, c.hiddenSize(), c.keyDim(), c.valueDim());
        GatedDeltaNetBlocks.randomConv(m, r, c.keyDim(), c.valueDim(), c.useShortConv(), c.convSize(), c.convBias());
        KdaGates.random(m, r, c.hiddenSize(), c.numHeads(), c.keyDim(), c.valueDim(), c.headVDim(), false);
        GatedDeltaNetBlocks.randomOutput(m, r, c.hiddenSize(), c.headVDim(), c.valueDim());
        return new KimiDeltaAttention(c, new Weights(m));
    }

    /** Typical size: hidden 1024, 8 heads, K = V = 128. */
    public static KimiDeltaAttention demo(long seed) {
        return random(new Config(1024, 128, 8, 8, 1.0, 4, true, false, false, null, 1e-5, DeltaRule.DEFAULT_CHUNK), seed);
    }

    public Config config() { return cfg; }

    @Override
    public String name() { return "KimiDeltaAttention"; }

    @Override
    public int hiddenSize() { return cfg.hiddenSize(); }

    @Override
    public GatedDeltaNetCache newCache(int batch) {
        return blocks.newCache(this, batch, true, cfg.headVDim());
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        x = blocks.checkSequence(x, cache, this);
        GatedDeltaNetCache c = (GatedDeltaNetCache) cache;
        Tensor[] conv = new Tensor[3];
        Tensor[] qkv = blocks.qkv(x, c, conv);
        DeltaRuleOutput out = DeltaRule.kda(qkv[0], qkv[1], qkv[2], gates.decay(x), gates.beta(x), blocks.scale,
                c == null ? null : c.state, c != null, null, true, cfg.chunkSize());
        return blocks.output(out, gates.outputGate(x), c, conv);
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        GatedDeltaNetCache c = blocks.checkStep(x, cache, this, y);
        gates.step(x, c);
        blocks.qkvStep(x, c);
        c.step.kda(c.q3, c.k3, c.v3, c.gT, c.betaT, c.state, c.oT);
        blocks.outputStep(c, c.gate, y);
    }
}
