package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.deltarule.DeltaRule;
import org.seqmix.kernels.deltarule.DeltaRuleGates;
import org.seqmix.kernels.deltarule.DeltaRuleOutput;

/**
 * Gated DeltaNet (fla {@code fla/layers/gated_deltanet.py}, Qwen3-Next): q/k/v projections with short causal
 * convolutions (SiLU), l2-normalised q/k, {@code beta = sigmoid(b_proj x)} (x2 with allow_neg_eigval),
 * {@code g = -exp(A_log) * softplus(a_proj x + dt_bias)} per value head, the gated delta rule, output
 * {@code o_norm(o, g_proj x) = rmsnorm(o) * weight * silu(gate)} (plain RMSNorm without use_gate), {@code o_proj}.
 * Weights under fla's names.
 */
public final class GatedDeltaNet implements SequenceMixer {
    /** fla's constructor arguments; {@code chunkSize} is ours (fla: 64). */
    public record Config(int hiddenSize, int headDim, int numHeads, int numVHeads, double expandV, int convSize,
                         boolean useGate, boolean useShortConv, boolean convBias, boolean allowNegEigval, double normEps,
                         int chunkSize) {
        public Config {
            GatedDeltaNetBlocks.checkConfig(hiddenSize, headDim, numHeads, numVHeads, expandV, useShortConv, convSize, normEps, chunkSize);
        }

        public int headVDim() { return GatedDeltaNetBlocks.headVDim(headDim, expandV); }
        public int keyDim() { return numHeads * headDim; }
        public int valueDim() { return numVHeads * headVDim(); }

        private static final Set<String> KEYS = Set.of("hidden_size", "head_dim", "num_heads", "num_v_heads", "expand_v",
                "conv_size", "use_gate", "use_short_conv", "conv_bias", "allow_neg_eigval", "norm_eps", "mode", "layer_idx", "chunk_size");

        /** From fla's constructor arguments (a case's {@code config}); fla's defaults for absent keys; unknown keys rejected. */
        public static Config fromMap(Map<String, Object> c) {
            GatedDeltaNetBlocks.checkKeys(c, KEYS, "GatedDeltaNet");
            int heads = GatedDeltaNetBlocks.intOr(c, "num_heads", 6);
            return new Config(GatedDeltaNetBlocks.intOr(c, "hidden_size", 2048), GatedDeltaNetBlocks.intOr(c, "head_dim", 256),
                    heads, GatedDeltaNetBlocks.intOr(c, "num_v_heads", heads), GatedDeltaNetBlocks.doubleOr(c, "expand_v", 2.0),
                    GatedDeltaNetBlocks.intOr(c, "conv_size", 4), GatedDeltaNetBlocks.boolOr(c, "use_gate", true),
                    GatedDeltaNetBlocks.boolOr(c, "use_short_conv", true), GatedDeltaNetBlocks.boolOr(c, "conv_bias", false),
                    GatedDeltaNetBlocks.boolOr(c, "allow_neg_eigval", false), GatedDeltaNetBlocks.doubleOr(c, "norm_eps", 1e-5),
                    GatedDeltaNetBlocks.intOr(c, "chunk_size", DeltaRule.DEFAULT_CHUNK));
        }
    }

    private final Config cfg;
    private final GatedDeltaNetBlocks blocks;
    private final Tensor dtBias, wa, wb, wg;
    private final float[] negA;
    private final int hv;

    private GatedDeltaNet(Config cfg, Weights w) {
        this.cfg = cfg;
        hv = cfg.numVHeads();
        int hid = cfg.hiddenSize();
        blocks = new GatedDeltaNetBlocks(w, hid, cfg.numHeads(), hv, cfg.headDim(), cfg.headVDim(), cfg.useShortConv(), cfg.convSize(),
                cfg.convBias(), cfg.normEps(), false);
        Tensor aLog = w.get("A_log", hv);
        dtBias = w.get("dt_bias", hv);
        wa = w.get("a_proj.weight", hv, hid);
        wb = w.get("b_proj.weight", hv, hid);
        wg = cfg.useGate() ? w.get("g_proj.weight", cfg.valueDim(), hid) : null;
        // a non-finite decay parameter would make g NaN and fail a step after its conv states rolled
        Shapes.allFinite("A_log", aLog);
        Shapes.allFinite("dt_bias", dtBias);
        negA = new float[hv];
        for (int i = 0; i < hv; i++) negA[i] = (float) -Math.exp(aLog.get(i));
    }

    public static GatedDeltaNet fromWeights(Config cfg, Weights w) {
        return new GatedDeltaNet(cfg, w);
    }

    /** Random weights with fla's initial ranges (A uniform in (0, 16), dt in [1e-3, 0.1]); deterministic in seed. */
    public static GatedDeltaNet random(Config c, long seed) {
        Rng r = new Rng(seed);
        int hid = c.hiddenSize(), vdim = c.valueDim(), hv = c.numVHeads();
        float s = (float) (1 / Math.sqrt(hid));
        Map<String, Tensor> m = new java.util.HashMap<>();
        GatedDeltaNetBlocks.randomQkv(m, r, hid, c.keyDim(), vdim);
        m.put("a_proj.weight", GatedDeltaNetBlocks.uniform(r, s, hv, hid));
        m.put("b_proj.weight", GatedDeltaNetBlocks.uniform(r, s, hv, hid));
        GatedDeltaNetBlocks.randomConv(m, r, c.keyDim(), vdim, c.useShortConv(), c.convSize(), c.convBias());
        Tensor aLog = Tensor.zeros(hv), dt = Tensor.zeros(hv);
        for (int i = 0; i < hv; i++) {
            aLog.set((float) Math.log(1e-3 + 16 * r.nextDouble()), i);
            double d = Math.exp(Math.log(1e-3) + r.nextDouble() * (Math.log(0.1) - Math.log(1e-3)));
            dt.set((float) (d + Math.log(-Math.expm1(-d))), i);
        }
        m.put("A_log", aLog);
        m.put("dt_bias", dt);
        if (c.useGate()) m.put("g_proj.weight", GatedDeltaNetBlocks.uniform(r, s, vdim, hid));
        GatedDeltaNetBlocks.randomOutput(m, r, hid, c.headVDim(), vdim);
        return new GatedDeltaNet(c, new Weights(m));
    }

    /** Typical size: hidden 1024, 8 heads, K = V = 128 (expand_v 1). */
    public static GatedDeltaNet demo(long seed) {
        return random(new Config(1024, 128, 8, 8, 1.0, 4, true, true, false, false, 1e-5, DeltaRule.DEFAULT_CHUNK), seed);
    }

    public Config config() { return cfg; }

    @Override
    public String name() { return "GatedDeltaNet"; }

    @Override
    public int hiddenSize() { return cfg.hiddenSize(); }

    @Override
    public GatedDeltaNetCache newCache(int batch) {
        return blocks.newCache(this, batch, false, 0);
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        x = blocks.checkSequence(x, cache, this);
        GatedDeltaNetCache c = (GatedDeltaNetCache) cache;
        int rows = x.dim(0) * x.dim(1);
        Tensor[] conv = new Tensor[3];
        Tensor[] qkv = blocks.qkv(x, c, conv);
        Tensor g = Linear.apply(x, wa, null), beta = Linear.apply(x, wb, null);
        DeltaRuleGates.gdnGate(g.data(), 0, negA, dtBias.data(), dtBias.offset(), hv, rows, g.data(), 0);
        DeltaRuleGates.sigmoidHeads(beta.data(), 0, hv, hv, 1, cfg.allowNegEigval() ? 2f : 1f, rows, beta.data(), 0);
        DeltaRuleOutput out = DeltaRule.gatedDeltaRule(qkv[0], qkv[1], qkv[2], g, beta, blocks.scale,
                c == null ? null : c.state, c != null, null, true, cfg.chunkSize());
        return blocks.output(out, wg == null ? null : Linear.apply(x, wg, null), c, conv);
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        GatedDeltaNetCache c = blocks.checkStep(x, cache, this, y);
        int b = c.batch, hid = cfg.hiddenSize();
        // gates first: they only read x, so every check is done before the conv states roll
        float[] xa = x.data(), ga = c.gT.data(), ba = c.betaT.data();
        for (int bi = 0; bi < b; bi++) {
            int xo = x.offset() + bi * hid;
            Linear.gemv(wa, null, xa, xo, ga, bi * hv);
            Linear.gemv(wb, null, xa, xo, ba, bi * hv);
            if (wg != null) Linear.gemv(wg, null, xa, xo, c.gate, bi * cfg.valueDim());
        }
        DeltaRuleGates.gdnGate(ga, 0, negA, dtBias.data(), dtBias.offset(), hv, b, ga, 0);
        DeltaRuleGates.sigmoidHeads(ba, 0, hv, hv, 1, cfg.allowNegEigval() ? 2f : 1f, b, ba, 0);
        blocks.qkvStep(x, c);
        c.step.gatedDeltaRule(c.q3, c.k3, c.v3, c.gT, c.betaT, c.state, c.oT);
        blocks.outputStep(c, wg == null ? null : c.gate, y);
    }
}
