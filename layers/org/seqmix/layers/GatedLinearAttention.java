package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.VectorizationProvider;
import org.seqmix.kernels.linear.GlaOutput;
import org.seqmix.kernels.linear.LinearAttn;

/**
 * fla's {@code GatedLinearAttention} layer (fla/layers/gla.py): q/k/v projections, a low-rank key gate
 * {@code gk = logsigmoid(gk_proj(x)) / gate_logit_normalizer} (clamped below at clamp_min when set), k, v, gk per
 * kv head repeated to num_heads, GLA with scale K^-0.5, then {@code rmsnorm(o)·weight·silu(g_proj(x))} per head
 * and {@code o_proj}. Short convolutions are not supported (rejected).
 */
public final class GatedLinearAttention implements SequenceMixer {

    /** fla's constructor arguments (names in {@link #fromMap}). clampMin is NaN when unset. */
    public record Config(int hiddenSize, double expandK, double expandV, int numHeads, int numKvHeads, boolean useOutputGate,
                         boolean fuseNorm, float normEps, float gateLogitNormalizer, int gateLowRankDim, float clampMin, int chunkSize) {
        private static final Set<String> KNOWN = Set.of("hidden_size", "expand_k", "expand_v", "num_heads", "num_kv_heads", "feature_map",
                "use_short_conv", "conv_size", "conv_bias", "use_output_gate", "gate_fn", "elementwise_affine", "norm_eps",
                "gate_logit_normalizer", "gate_low_rank_dim", "clamp_min", "fuse_norm", "mode", "layer_idx", "chunk_size");

        public Config {
            Shapes.positive("hidden_size", hiddenSize);
            Shapes.positive("num_heads", numHeads);
            Shapes.positive("num_kv_heads", numKvHeads);
            Shapes.positive("gate_low_rank_dim", gateLowRankDim);
            Shapes.positive("chunk_size", chunkSize);
            Shapes.require(expandK > 0 && expandV > 0, "expand_k, expand_v: expected > 0, got " + expandK + ", " + expandV);
            Shapes.divisible("num_heads", numHeads, "num_kv_heads", numKvHeads);
            Shapes.divisible("key_dim", keyDim(), "num_heads", numHeads);
            Shapes.divisible("value_dim", valueDim(), "num_heads", numHeads);
            Shapes.require(normEps > 0 && gateLogitNormalizer > 0 && Float.isFinite(gateLogitNormalizer),
                    "norm_eps > 0 and a finite gate_logit_normalizer > 0 expected, got " + normEps + ", " + gateLogitNormalizer);
            Shapes.require(Float.isNaN(clampMin) || clampMin <= 0, "clamp_min: expected <= 0 (a log decay), got " + clampMin);
        }

        /** fla defaults: expand_k 0.5, expand_v 1, swish output gate with fused norm, normalizer 16, rank 16. */
        public static Config defaults(int hiddenSize, int numHeads) {
            return new Config(hiddenSize, 0.5, 1.0, numHeads, numHeads, true, true, 1e-5f, 16f, 16, Float.NaN, LinearAttn.DEFAULT_CHUNK_SIZE);
        }

        public int keyDim() { return (int) (hiddenSize * expandK); }
        public int valueDim() { return (int) (hiddenSize * expandV); }
        public int headKDim() { return keyDim() / numHeads; }
        public int headVDim() { return valueDim() / numHeads; }
        public int groups() { return numHeads / numKvHeads; }

        /** From a case's {@code config} map under fla's names; unsupported values and unknown keys are rejected. */
        public static Config fromMap(Map<String, Object> m) {
            for (String key : m.keySet()) Shapes.require(KNOWN.contains(key), "GatedLinearAttention config: unknown key '" + key + "'");
            Shapes.require(!Boolean.TRUE.equals(m.get("use_short_conv")), "GatedLinearAttention: use_short_conv = true is not supported");
            Shapes.require(m.get("feature_map") == null, "GatedLinearAttention: feature_map is not supported, got " + m.get("feature_map"));
            Object gateFn = m.getOrDefault("gate_fn", "swish");
            Shapes.require("swish".equals(gateFn) || "silu".equals(gateFn), "GatedLinearAttention: gate_fn must be swish/silu, got " + gateFn);
            Shapes.require(!Boolean.FALSE.equals(m.get("elementwise_affine")), "GatedLinearAttention: elementwise_affine = false is not supported");
            Object mode = m.getOrDefault("mode", "chunk");
            Shapes.require(Set.of("chunk", "fused_recurrent", "fused_chunk").contains(mode), "GatedLinearAttention: unknown mode " + mode);
            int hidden = num(m, "hidden_size", Double.NaN).intValue();
            int heads = num(m, "num_heads", 4).intValue();
            Object kv = m.get("num_kv_heads");
            Object clamp = m.get("clamp_min");
            return new Config(hidden, num(m, "expand_k", 0.5).doubleValue(), num(m, "expand_v", 1.0).doubleValue(), heads,
                    kv == null ? heads : ((Number) kv).intValue(), (Boolean) m.getOrDefault("use_output_gate", true),
                    (Boolean) m.getOrDefault("fuse_norm", true), num(m, "norm_eps", 1e-5).floatValue(),
                    num(m, "gate_logit_normalizer", 16).floatValue(), num(m, "gate_low_rank_dim", 16).intValue(),
                    clamp == null ? Float.NaN : ((Number) clamp).floatValue(), num(m, "chunk_size", LinearAttn.DEFAULT_CHUNK_SIZE).intValue());
        }

        private static Number num(Map<String, Object> m, String key, double dflt) {
            Object o = m.get(key);
            if (o == null) {
                Shapes.require(!Double.isNaN(dflt), "GatedLinearAttention config: missing '" + key + "'");
                return dflt;
            }
            Shapes.require(o instanceof Number, "GatedLinearAttention config: '" + key + "' must be a number, got " + o);
            return (Number) o;
        }
    }

    private final Config cfg;
    private final LinearAttentionProjections qkv;
    private final Tensor wgk0, wgk1, bgk1;
    private final LinearAttentionOutput out;
    private final int H, HKV, K, V, D;
    private final float scale;

    private GatedLinearAttention(Config cfg, LinearAttentionProjections qkv, Tensor wg, Tensor wgk0, Tensor wgk1, Tensor bgk1, Tensor wo,
                                 Tensor normWeight) {
        this.cfg = cfg;
        this.qkv = qkv;
        this.wgk0 = wgk0; this.wgk1 = wgk1; this.bgk1 = bgk1;
        H = cfg.numHeads(); HKV = cfg.numKvHeads();
        K = cfg.headKDim(); V = cfg.headVDim(); D = cfg.hiddenSize();
        out = new LinearAttentionOutput(wg, normWeight, wo, cfg.normEps(), H, V);
        scale = LinearAttn.defaultScale(K);
    }

    /** Loads fla's state_dict names: q_proj, k_proj, v_proj, g_proj, gk_proj.0, gk_proj.1 (+bias), o_proj, norm weight. */
    public static GatedLinearAttention fromWeights(Config c, Weights w) {
        int D = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), G = c.groups();
        return new GatedLinearAttention(c, LinearAttentionProjections.fromWeights(w, D, kd, vd, c.numHeads(), c.numKvHeads()),
                c.useOutputGate() ? w.get("g_proj.weight", vd, D) : null, w.get("gk_proj.0.weight", c.gateLowRankDim(), D),
                w.get("gk_proj.1.weight", kd / G, c.gateLowRankDim()), w.get("gk_proj.1.bias", kd / G), w.get("o_proj.weight", D, vd),
                w.get(LinearAttentionOutput.normName(c.useOutputGate(), c.fuseNorm()), c.headVDim()));
    }

    /** Random weights (PyTorch Linear init, unit norm weight). */
    public static GatedLinearAttention random(Config c, long seed) {
        Rng r = new Rng(seed);
        int D = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim(), G = c.groups();
        return new GatedLinearAttention(c, LinearAttentionProjections.random(r, D, kd, vd, c.numHeads(), c.numKvHeads()),
                c.useOutputGate() ? r.linear(vd, D) : null,
                r.linear(c.gateLowRankDim(), D), r.linear(kd / G, c.gateLowRankDim()), r.uniform(-0.25f, 0.25f, kd / G), r.linear(D, vd),
                Tensor.full(1f, c.headVDim()));
    }

    /** Typical size: hidden 1024, 8 heads (K 64, V 128). */
    public static GatedLinearAttention demo(long seed) {
        return random(Config.defaults(1024, 8), seed);
    }

    public Config config() { return cfg; }
    @Override public String name() { return "GatedLinearAttention"; }
    @Override public int hiddenSize() { return D; }

    @Override public GatedLinearAttentionCache newCache(int batch) {
        return new GatedLinearAttentionCache(batch, H, HKV, K, V, cfg.gateLowRankDim());
    }

    private GatedLinearAttentionCache cast(MixerCache cache, int batch) {
        if (!(cache instanceof GatedLinearAttentionCache)) {
            throw new IllegalArgumentException("cache: expected a GatedLinearAttentionCache, got " + (cache == null ? "null" : cache.getClass().getSimpleName()));
        }
        GatedLinearAttentionCache c = (GatedLinearAttentionCache) cache;
        if (c.state.dim(1) != H || c.state.dim(2) != K || c.state.dim(3) != V) throw new IllegalArgumentException("cache: made for another layer shape");
        if (c.batch != batch) throw new IllegalArgumentException("cache: expected batch " + batch + " (x), got a cache for batch " + c.batch);
        return c;
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        qkv.checkSequence(x);
        int T = x.dim(1);
        GatedLinearAttentionCache c = cache == null ? null : cast(cache, x.dim(0));
        Tensor q = qkv.q(x), k = qkv.repeat(qkv.k(x), K), v = qkv.v(x);
        Tensor gk = Linear.apply(Linear.apply(x, wgk0, null), wgk1, bgk1);
        logDecay(gk.data(), 0, gk.numel());
        gk = qkv.repeat(gk, K);
        GlaOutput r = LinearAttn.gla(q, k, v, gk, scale, c == null ? null : c.state, c != null, null, cfg.chunkSize());
        Tensor y = out.forward(x, r.o());
        if (c != null) {
            r.finalState().copyInto(c.state);
            c.tokens += T;
        }
        return y;
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        LinearAttentionHeads.checkStep(x, y, D);
        int B = x.dim(0);
        GatedLinearAttentionCache c = cast(cache, B);
        float[] xd = x.data();
        for (int b = 0; b < B; b++) {
            qkv.step(x, b, c.q, c.kKv, c.vKv);
            Linear.gemv(wgk0, null, xd, x.offset() + b * D, c.lowRank, 0);
            Linear.gemv(wgk1, bgk1, c.lowRank, 0, c.gkKv, 0);
            logDecay(c.gkKv, 0, HKV * K);
            qkv.repeatStep(b, c.kKv, c.k, c.vKv, c.v);
            LinearAttentionHeads.repeatRow(c.gkKv, c.gk, b * H * K, HKV, H, K);
        }
        LinearAttn.stepGla(c.qT, c.kT, c.vT, c.gkT, scale, c.state, c.oT);
        out.step(x, c.o, c.gate, c.normed, y);
        c.tokens++;
    }

    /** gk = logsigmoid(gk) / gate_logit_normalizer, then clamp_min when set. */
    private void logDecay(float[] a, int off, int n) {
        VectorizationProvider.ops().logsigmoid(a, off, a, off, n);
        float norm = cfg.gateLogitNormalizer(), lo = cfg.clampMin();
        for (int i = off; i < off + n; i++) {
            float g = a[i] / norm;
            a[i] = Float.isNaN(lo) ? g : Math.max(g, lo);
        }
    }
}
