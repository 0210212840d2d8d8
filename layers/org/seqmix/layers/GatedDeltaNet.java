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
            Shapes.positive("hidden_size", hiddenSize);
            Shapes.positive("head_dim", headDim);
            Shapes.positive("num_heads", numHeads);
            Shapes.positive("num_v_heads", numVHeads);
            Shapes.divisible("num_v_heads", numVHeads, "num_heads", numHeads);
            GatedDeltaNetBlocks.headVDim(headDim, expandV);
            if (useShortConv) Shapes.positive("conv_size", convSize);
            Shapes.require(normEps > 0 && Double.isFinite(normEps), "norm_eps: expected > 0, got " + normEps);
            Shapes.positive("chunk_size", chunkSize);
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
    private final GatedDeltaNetBlocks qkv;
    private final Tensor aLog, dtBias, wa, wb, wg, oNorm, wo;
    private final float[] negA;
    private final int h, hv, kd, vd;

    private GatedDeltaNet(Config cfg, Weights w) {
        this.cfg = cfg;
        h = cfg.numHeads();
        hv = cfg.numVHeads();
        kd = cfg.headDim();
        vd = cfg.headVDim();
        int hid = cfg.hiddenSize();
        qkv = new GatedDeltaNetBlocks(w, hid, cfg.keyDim(), cfg.valueDim(), cfg.useShortConv(), cfg.convSize(), cfg.convBias());
        aLog = w.get("A_log", hv);
        dtBias = w.get("dt_bias", hv);
        wa = w.get("a_proj.weight", hv, hid);
        wb = w.get("b_proj.weight", hv, hid);
        wg = cfg.useGate() ? w.get("g_proj.weight", cfg.valueDim(), hid) : null;
        oNorm = w.get("o_norm.weight", vd);
        // a non-finite decay parameter would make g NaN and fail a step after its conv states rolled
        Shapes.allFinite("A_log", aLog);
        Shapes.allFinite("dt_bias", dtBias);
        wo = w.get("o_proj.weight", hid, cfg.valueDim());
        negA = new float[hv];
        for (int i = 0; i < hv; i++) negA[i] = (float) -Math.exp(aLog.get(i));
    }

    public static GatedDeltaNet fromWeights(Config cfg, Weights w) {
        return new GatedDeltaNet(cfg, w);
    }

    /** Random weights with fla's initial ranges (A uniform in (0, 16), dt in [1e-3, 0.1]); deterministic in seed. */
    public static GatedDeltaNet random(Config c, long seed) {
        Rng r = new Rng(seed);
        int hid = c.hiddenSize(), kdim = c.keyDim(), vdim = c.valueDim(), hv = c.numVHeads(), w = c.convSize();
        float s = (float) (1 / Math.sqrt(hid));
        Map<String, Tensor> m = new java.util.HashMap<>();
        m.put("q_proj.weight", uniform(r, s, kdim, hid));
        m.put("k_proj.weight", uniform(r, s, kdim, hid));
        m.put("v_proj.weight", uniform(r, s, vdim, hid));
        m.put("a_proj.weight", uniform(r, s, hv, hid));
        m.put("b_proj.weight", uniform(r, s, hv, hid));
        if (c.useShortConv()) {
            float cs = (float) (1 / Math.sqrt(w));
            m.put("q_conv1d.weight", uniform(r, cs, kdim, 1, w));
            m.put("k_conv1d.weight", uniform(r, cs, kdim, 1, w));
            m.put("v_conv1d.weight", uniform(r, cs, vdim, 1, w));
            if (c.convBias()) {
                m.put("q_conv1d.bias", uniform(r, cs, kdim));
                m.put("k_conv1d.bias", uniform(r, cs, kdim));
                m.put("v_conv1d.bias", uniform(r, cs, vdim));
            }
        }
        Tensor aLog = Tensor.zeros(hv), dt = Tensor.zeros(hv);
        for (int i = 0; i < hv; i++) {
            aLog.set((float) Math.log(1e-3 + 16 * r.nextDouble()), i);
            double d = Math.exp(Math.log(1e-3) + r.nextDouble() * (Math.log(0.1) - Math.log(1e-3)));
            dt.set((float) (d + Math.log(-Math.expm1(-d))), i);
        }
        m.put("A_log", aLog);
        m.put("dt_bias", dt);
        if (c.useGate()) m.put("g_proj.weight", uniform(r, s, vdim, hid));
        m.put("o_norm.weight", Tensor.full(1f, c.headVDim()));
        m.put("o_proj.weight", uniform(r, (float) (1 / Math.sqrt(vdim)), hid, vdim));
        return new GatedDeltaNet(c, new Weights(m));
    }

    static Tensor uniform(Rng r, float bound, int... shape) {
        return r.uniform(-bound, bound, shape);
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
        Shapes.positive("batch", batch);
        return new GatedDeltaNetCache(this, batch, h, hv, kd, vd, cfg.convSize(), cfg.useShortConv(), false, 0,
                (float) (1 / Math.sqrt(kd)));
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        Shapes.checkRank("x", x, 3, "B, T, hidden");
        Shapes.checkNamed("x", x, "B, T, hidden", Shapes.ANY, Shapes.ANY, cfg.hiddenSize());
        int b = Shapes.positive("B", x.dim(0)), t = Shapes.positive("T", x.dim(1));
        GatedDeltaNetCache c = cache == null ? null : GatedDeltaNetCache.of(cache, this, b);
        x = x.contiguous();
        GatedDeltaNetBlocks.checkFinite("x", x);
        Tensor[] conv = new Tensor[3];
        Tensor[] qkvT = qkv.qkv(x, c, conv);
        Tensor q = qkvT[0].reshape(b, t, h, kd), k = qkvT[1].reshape(b, t, h, kd), v = qkvT[2].reshape(b, t, hv, vd);
        Tensor g = Linear.apply(x, wa, null), beta = Linear.apply(x, wb, null);
        DeltaRuleGates.gdnGate(g.data(), 0, negA, dtBias.data(), dtBias.offset(), hv, b * t, g.data(), 0);
        DeltaRuleGates.sigmoidHeads(beta.data(), 0, hv, hv, 1, cfg.allowNegEigval() ? 2f : 1f, b * t, beta.data(), 0);
        DeltaRuleOutput out = DeltaRule.gatedDeltaRule(q, k, v, g, beta, (float) (1 / Math.sqrt(kd)),
                c == null ? null : c.state, c != null, null, true, cfg.chunkSize());
        float[] o = out.o().data();
        Tensor gate = wg == null ? null : Linear.apply(x, wg, null);
        Tensor on = Tensor.zeros(b, t, cfg.valueDim());
        DeltaRuleGates.outputNorm(o, 0, gate == null ? null : gate.data(), 0, oNorm, (float) cfg.normEps(), false,
                on.data(), 0, b * t * hv, vd);
        Tensor y = Linear.apply(on, wo, null);
        if (c != null) {
            out.finalState().copyInto(c.state);
            if (conv[0] != null) {
                conv[0].copyInto(c.convQ);
                conv[1].copyInto(c.convK);
                conv[2].copyInto(c.convV);
            }
            c.tokens += t;
        }
        return y;
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        Shapes.require(cache != null, "cache: step needs a cache from newCache");
        GatedDeltaNetCache c = GatedDeltaNetCache.of(cache, this, cache.batch());
        int b = c.batch, hid = cfg.hiddenSize();
        GatedDeltaNetBlocks.checkStep(x, y, b, hid);
        if (x.dim(0) != b) Shapes.checkNamed("x", x, "B, hidden", b, hid);
        GatedDeltaNetBlocks.checkFinite("x", x);
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
        qkv.qkvStep(x, c);
        c.step.gatedDeltaRule(c.q3, c.k3, c.v3, c.gT, c.betaT, c.state, c.oT);
        DeltaRuleGates.outputNorm(c.oT.data(), 0, wg == null ? null : c.gate, 0, oNorm, (float) cfg.normEps(), false,
                c.onorm, 0, b * hv, vd);
        for (int bi = 0; bi < b; bi++) Linear.gemv(wo, null, c.onorm, bi * cfg.valueDim(), y.data(), y.offset() + bi * hid);
        c.tokens++;
    }
}
