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
 * Gated DeltaNet-2 (fla {@code fla/layers/gdn2.py}): as {@link GatedDeltaNet2} (channel-wise decay
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
    private final GatedDeltaNetBlocks qkv;
    private final Tensor dtBias, f0, f1, wb, ww, g0, g1, g1b, oNorm, wo;
    private final float[] expA;
    private final int h, hv, kd, vd, rank;

    private GatedDeltaNet2(Config cfg, Weights w) {
        this.cfg = cfg;
        h = cfg.numHeads();
        hv = cfg.numVHeads();
        kd = cfg.headDim();
        vd = cfg.headVDim();
        rank = vd;
        int hid = cfg.hiddenSize(), kdim = cfg.keyDim(), vdim = cfg.valueDim();
        qkv = new GatedDeltaNetBlocks(w, hid, kdim, vdim, cfg.useShortConv(), cfg.convSize(), cfg.convBias());
        Tensor aLog = w.get("A_log", h);
        dtBias = w.get("dt_bias", kdim);
        f0 = w.get("f_proj.0.weight", rank, hid);
        f1 = w.get("f_proj.1.weight", kdim, rank);
        wb = w.get("b_proj.weight", kdim, hid);
        ww = w.get("w_proj.weight", vdim, hid);
        g0 = w.get("g_proj.0.weight", rank, hid);
        g1 = w.get("g_proj.1.weight", vdim, rank);
        g1b = w.get("g_proj.1.bias", vdim);
        oNorm = w.get("o_norm.weight", vd);
        // a non-finite decay parameter would make g NaN and fail a step after its conv states rolled
        Shapes.allFinite("A_log", aLog);
        Shapes.allFinite("dt_bias", dtBias);
        wo = w.get("o_proj.weight", hid, vdim);
        expA = new float[h];
        for (int i = 0; i < h; i++) expA[i] = (float) Math.exp(aLog.get(i));
    }

    public static GatedDeltaNet2 fromWeights(Config cfg, Weights w) {
        return new GatedDeltaNet2(cfg, w);
    }

    public static GatedDeltaNet2 random(Config c, long seed) {
        Rng r = new Rng(seed);
        int hid = c.hiddenSize(), kdim = c.keyDim(), vdim = c.valueDim(), rk = c.headVDim(), w = c.convSize();
        float s = (float) (1 / Math.sqrt(hid)), sr = (float) (1 / Math.sqrt(rk));
        Map<String, Tensor> m = new java.util.HashMap<>();
        m.put("q_proj.weight", GatedDeltaNet.uniform(r, s, kdim, hid));
        m.put("k_proj.weight", GatedDeltaNet.uniform(r, s, kdim, hid));
        m.put("v_proj.weight", GatedDeltaNet.uniform(r, s, vdim, hid));
        if (c.useShortConv()) {
            float cs = (float) (1 / Math.sqrt(w));
            m.put("q_conv1d.weight", GatedDeltaNet.uniform(r, cs, kdim, 1, w));
            m.put("k_conv1d.weight", GatedDeltaNet.uniform(r, cs, kdim, 1, w));
            m.put("v_conv1d.weight", GatedDeltaNet.uniform(r, cs, vdim, 1, w));
            if (c.convBias()) {
                m.put("q_conv1d.bias", GatedDeltaNet.uniform(r, cs, kdim));
                m.put("k_conv1d.bias", GatedDeltaNet.uniform(r, cs, kdim));
                m.put("v_conv1d.bias", GatedDeltaNet.uniform(r, cs, vdim));
            }
        }
        m.put("f_proj.0.weight", GatedDeltaNet.uniform(r, s, rk, hid));
        m.put("f_proj.1.weight", GatedDeltaNet.uniform(r, sr, kdim, rk));
        m.put("b_proj.weight", GatedDeltaNet.uniform(r, s, kdim, hid));
        m.put("w_proj.weight", GatedDeltaNet.uniform(r, s, vdim, hid));
        Tensor aLog = Tensor.zeros(c.numHeads());
        for (int i = 0; i < c.numHeads(); i++) aLog.set((float) Math.log(1 + 15 * r.nextDouble()), i);
        m.put("A_log", aLog);
        m.put("dt_bias", Tensor.zeros(kdim));
        m.put("g_proj.0.weight", GatedDeltaNet.uniform(r, s, rk, hid));
        m.put("g_proj.1.weight", GatedDeltaNet.uniform(r, sr, vdim, rk));
        m.put("g_proj.1.bias", GatedDeltaNet.uniform(r, sr, vdim));
        m.put("o_norm.weight", Tensor.full(1f, c.headVDim()));
        m.put("o_proj.weight", GatedDeltaNet.uniform(r, (float) (1 / Math.sqrt(vdim)), hid, vdim));
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
        Shapes.positive("batch", batch);
        return new GatedDeltaNetCache(this, batch, h, hv, kd, vd, cfg.convSize(), cfg.useShortConv(), true, rank,
                (float) (1 / Math.sqrt(kd)));
    }

    /** Channel gates of {@code rows} token rows: f [rows, key_dim] into g [rows, HV, K]. */
    private void gate(float[] f, int fo, float[] g, int go, int rows) {
        DeltaRuleGates.kdaGate(f, fo, expA, dtBias.data(), dtBias.offset(), h, hv, kd, false, 0f, rows, g, go);
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
        Tensor f = Linear.apply(Linear.apply(x, f0, null), f1, null);
        Tensor g = Tensor.zeros(b, t, hv, kd);
        int rows = b * t;
        gate(f.data(), 0, g.data(), 0, rows);
        Tensor bh = Linear.apply(x, wb, null), wg = Linear.apply(x, ww, null);
        Tensor be = Tensor.zeros(b, t, hv, kd);
        DeltaRuleGates.sigmoidHeads(bh.data(), 0, h, hv, kd, cfg.allowNegEigval() ? 2f : 1f, rows, be.data(), 0);
        DeltaRuleGates.sigmoidHeads(wg.data(), 0, hv, hv, vd, 1f, rows, wg.data(), 0);
        DeltaRuleOutput out = DeltaRule.gdn2(q, k, v, g, be, wg.reshape(b, t, hv, vd), (float) (1 / Math.sqrt(kd)),
                c == null ? null : c.state, c != null, null, true, cfg.chunkSize());
        Tensor gate = Linear.apply(Linear.apply(x, g0, null), g1, g1b);
        Tensor on = Tensor.zeros(b, t, cfg.valueDim());
        DeltaRuleGates.outputNorm(out.o().data(), 0, gate.data(), 0, oNorm, (float) cfg.normEps(), true, on.data(), 0, rows * hv, vd);
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
        int b = c.batch, hid = cfg.hiddenSize(), kdim = cfg.keyDim(), vdim = cfg.valueDim();
        GatedDeltaNetBlocks.checkStep(x, y, b, hid);
        if (x.dim(0) != b) Shapes.checkNamed("x", x, "B, hidden", b, hid);
        GatedDeltaNetBlocks.checkFinite("x", x);
        float[] xa = x.data(), wt = c.wT.data();
        float betaMul = cfg.allowNegEigval() ? 2f : 1f;
        for (int bi = 0; bi < b; bi++) {
            int xo = x.offset() + bi * hid;
            Linear.gemv(f0, null, xa, xo, c.lowRank, bi * rank);
            Linear.gemv(f1, null, c.lowRank, bi * rank, c.gh, bi * kdim);
            Linear.gemv(wb, null, xa, xo, c.bh, bi * kdim);
            Linear.gemv(ww, null, xa, xo, wt, bi * vdim);
            Linear.gemv(g0, null, xa, xo, c.lowRank, bi * rank);
            Linear.gemv(g1, g1b, c.lowRank, bi * rank, c.gate, bi * vdim);
        }
        gate(c.gh, 0, c.gT.data(), 0, b);
        DeltaRuleGates.sigmoidHeads(c.bh, 0, h, hv, kd, betaMul, b, c.bT.data(), 0);
        DeltaRuleGates.sigmoidHeads(wt, 0, hv, hv, vd, 1f, b, wt, 0);
        qkv.qkvStep(x, c);
        c.step.gdn2(c.q3, c.k3, c.v3, c.gT, c.bT, c.wT, c.state, c.oT);
        DeltaRuleGates.outputNorm(c.oT.data(), 0, c.gate, 0, oNorm, (float) cfg.normEps(), true, c.onorm, 0, b * hv, vd);
        for (int bi = 0; bi < b; bi++) Linear.gemv(wo, null, c.onorm, bi * vdim, y.data(), y.offset() + bi * hid);
        c.tokens++;
    }
}
