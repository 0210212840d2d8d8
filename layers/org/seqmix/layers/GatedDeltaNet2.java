package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.deltarule.DeltaRule;
import org.seqmix.kernels.deltarule.DeltaRuleOutput;

/**
 * Gated DeltaNet-2 (fla {@code fla/layers/gdn2.py}): as {@link KimiDeltaAttention} (channel-wise decay
 * {@code g = -exp(A_log[h]) * softplus(f_proj.1(f_proj.0 x) + dt_bias)}, sigmoid-gated output norm through
 * {@code g_proj.0 / g_proj.1}) but with two channel-wise gates instead of beta: the erase gate
 * {@code b = sigmoid(b_proj x)} {@code [key_dim]} (x2 with allow_neg_eigval) and the write gate
 * {@code w = sigmoid(w_proj x)} {@code [value_dim]}: {@code v' = w∘v - Sᵀ(b∘k)}. fla's {@code safe_gate} variant
 * is not supported (rejected).
 */
public final class GatedDeltaNet2 implements SequenceMixer {
    /** fla's constructor arguments; {@code chunkSize} is ours. */
    public record Config(int hiddenSize, int headDim, int numHeads, int numVHeads, double expandV, int convSize,
                         boolean useShortConv, boolean convBias, boolean allowNegEigval, double normEps,
                         int chunkSize) {
        public Config {
            GatedDeltaNetBlocks.checkConfig(hiddenSize, headDim, numHeads, numVHeads, expandV, useShortConv, convSize, normEps, chunkSize);
        }

        public int headVDim() { return GatedDeltaNetBlocks.headVDim(headDim, expandV); }
        public int keyDim() { return numHeads * headDim; }
        public int valueDim() { return numVHeads * headVDim(); }

        private static final Set<String> KEYS = Set.of("hidden_size", "head_dim", "num_heads", "num_v_heads", "expand_v",
                "conv_size", "use_short_conv", "conv_bias", "allow_neg_eigval", "norm_eps", "mode", "layer_idx", "chunk_size", "safe_gate", "gate_lower_bound");

        public static Config fromMap(Map<String, Object> c) {
            GatedDeltaNetBlocks.checkKeys(c, KEYS, "GatedDeltaNet2");
            int heads = GatedDeltaNetBlocks.intOr(c, "num_heads", 16);
            Shapes.require(!GatedDeltaNetBlocks.boolOr(c, "safe_gate", false), "GatedDeltaNet2 config: safe_gate = true is not supported");
            return new Config(GatedDeltaNetBlocks.intOr(c, "hidden_size", 2048), GatedDeltaNetBlocks.intOr(c, "head_dim", 128),
                    heads, GatedDeltaNetBlocks.intOr(c, "num_v_heads", heads), GatedDeltaNetBlocks.doubleOr(c, "expand_v", 1.0),
                    GatedDeltaNetBlocks.intOr(c, "conv_size", 4), GatedDeltaNetBlocks.boolOr(c, "use_short_conv", true),
                    GatedDeltaNetBlocks.boolOr(c, "conv_bias", false), GatedDeltaNetBlocks.boolOr(c, "allow_neg_eigval", false),
                    GatedDeltaNetBlocks.doubleOr(c, "norm_eps", 1e-5),
                    GatedDeltaNetBlocks.intOr(c, "chunk_size", DeltaRule.DEFAULT_CHUNK));
        }
    }

    private final Config cfg;
    private final GatedDeltaNetBlocks blocks;
    private final KdaGates gates;

    private GatedDeltaNet2(Config cfg, Weights w) {
        this.cfg = cfg;
        blocks = new GatedDeltaNetBlocks(w, cfg.hiddenSize(), cfg.numHeads(), cfg.numVHeads(), cfg.headDim(), cfg.headVDim(),
                cfg.useShortConv(), cfg.convSize(), cfg.convBias(), cfg.normEps(), true);
        gates = new KdaGates(w, cfg.hiddenSize(), cfg.numHeads(), cfg.numVHeads(), cfg.headDim(), cfg.headVDim(), null,
                cfg.allowNegEigval(), true);
    }

    public static GatedDeltaNet2 fromWeights(Config cfg, Weights w) {
        return new GatedDeltaNet2(cfg, w);
    }

    public static GatedDeltaNet2 random(Config c, long seed) {
        Rng r = new Rng(seed);
        Map<String, Tensor> m = new java.util.HashMap<>();
        GatedDeltaNetBlocks.randomQkv(m, r, c.hiddenSize(), c.keyDim(), c.valueDim());
        GatedDeltaNetBlocks.randomConv(m, r, c.keyDim(), c.valueDim(), c.useShortConv(), c.convSize(), c.convBias());
        KdaGates.random(m, r, c.hiddenSize(), c.numHeads(), c.keyDim(), c.valueDim(), c.headVDim(), true);
        GatedDeltaNetBlocks.randomOutput(m, r, c.hiddenSize(), c.headVDim(), c.valueDim());
        return new GatedDeltaNet2(c, new Weights(m));
    }

    /** Typical size: hidden 1024, 8 heads, K = V = 128. */
    public static GatedDeltaNet2 demo(long seed) {
        return random(new Config(1024, 128, 8, 8, 1.0, 4, true, false, false, 1e-5, DeltaRule.DEFAULT_CHUNK), seed);
    }

    public Config config() { return cfg; }

    @Override
    public String name() { return "GatedDeltaNet2"; }

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
        DeltaRuleOutput out = DeltaRule.gdn2(qkv[0], qkv[1], qkv[2], gates.decay(x), gates.beta(x), gates.write(x),
                blocks.scale, c == null ? null : c.state, c != null, null, true, cfg.chunkSize());
        return blocks.output(out, gates.outputGate(x), c, conv);
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        GatedDeltaNetCache c = blocks.checkStep(x, cache, this, y);
        gates.step(x, c);
        blocks.qkvStep(x, c);
        c.step.gdn2(c.q3, c.k3, c.v3, c.gT, c.bT, c.wT, c.state, c.oT);
        blocks.outputStep(c, c.gate, y);
    }
}
