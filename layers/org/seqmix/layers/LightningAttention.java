package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.linear.GlaOutput;
import org.seqmix.kernels.linear.LinearAttn;

/**
 * Lightning attention layer: fla's {@code chunk_lightning_attn} (simple GLA with the constant per-head decay
 * {@code g_h = -(8/H)(1 - layer_idx/num_layers)·h}) inside the projection / output-gate structure of fla's
 * simple-GLA layer: q/k/v projections (k, v per kv head, repeated), scale K^-0.5, per-head
 * {@code rmsnorm(o)·weight·silu(g_proj(x))} (weight {@code g_norm_swish_gate.weight}, or {@code g_norm.weight}
 * with {@code fuse_norm = false}; plain RMSNorm without output gate) and {@code o_proj}. fla ships the op but no
 * layer class of this name, so these parameter names follow fla's SimpleGatedLinearAttention.
 */
public final class LightningAttention implements SequenceMixer {

    public record Config(int hiddenSize, double expandK, double expandV, int numHeads, int numKvHeads, int layerIdx, int numLayers,
                         boolean useOutputGate, boolean fuseNorm, float normEps, int chunkSize) {
        private static final Set<String> KNOWN = Set.of("mode", "hidden_size", "expand_k", "expand_v", "num_heads", "num_kv_heads",
                "layer_idx", "num_layers", "use_output_gate", "gate_fn", "fuse_norm", "elementwise_affine", "norm_eps", "chunk_size",
                "use_short_conv");

        public Config {
            Shapes.positive("hidden_size", hiddenSize);
            Shapes.positive("num_heads", numHeads);
            Shapes.positive("num_kv_heads", numKvHeads);
            Shapes.positive("num_layers", numLayers);
            Shapes.positive("chunk_size", chunkSize);
            Shapes.require(layerIdx >= 0 && layerIdx <= numLayers, "layer_idx: expected 0 <= layer_idx <= num_layers = " + numLayers + ", got " + layerIdx);
            Shapes.require(expandK > 0 && expandV > 0, "expand_k, expand_v: expected > 0, got " + expandK + ", " + expandV);
            Shapes.divisible("num_heads", numHeads, "num_kv_heads", numKvHeads);
            Shapes.divisible("key_dim", keyDim(), "num_heads", numHeads);
            Shapes.divisible("value_dim", valueDim(), "num_heads", numHeads);
            Shapes.require(normEps > 0, "norm_eps: expected > 0, got " + normEps);
        }

        public static Config defaults(int hiddenSize, int numHeads, int layerIdx, int numLayers) {
            return new Config(hiddenSize, 1.0, 1.0, numHeads, numHeads, layerIdx, numLayers, true, true, 1e-5f, LinearAttn.DEFAULT_CHUNK_SIZE);
        }

        public int keyDim() { return (int) (hiddenSize * expandK); }
        public int valueDim() { return (int) (hiddenSize * expandV); }
        public int headKDim() { return keyDim() / numHeads; }
        public int headVDim() { return valueDim() / numHeads; }

        public static Config fromMap(Map<String, Object> m) {
            String L = "LightningAttention";
            for (String key : m.keySet()) Shapes.require(KNOWN.contains(key), L + " config: unknown key '" + key + "'");
            Shapes.require(!LinearAttentionHeads.bool(L, m, "use_short_conv", false), L + ": use_short_conv = true is not supported");
            Object gateFn = m.getOrDefault("gate_fn", "swish");
            Shapes.require("swish".equals(gateFn) || "silu".equals(gateFn), L + ": gate_fn must be swish/silu, got " + gateFn);
            Shapes.require(LinearAttentionHeads.bool(L, m, "elementwise_affine", true), L + ": elementwise_affine = false is not supported");
            int heads = LinearAttentionHeads.num(L, m, "num_heads", 8).intValue();
            Object kv = m.get("num_kv_heads");
            return new Config(LinearAttentionHeads.num(L, m, "hidden_size", Double.NaN).intValue(),
                    LinearAttentionHeads.num(L, m, "expand_k", 1.0).doubleValue(), LinearAttentionHeads.num(L, m, "expand_v", 1.0).doubleValue(),
                    heads, kv == null ? heads : ((Number) kv).intValue(), LinearAttentionHeads.num(L, m, "layer_idx", Double.NaN).intValue(),
                    LinearAttentionHeads.num(L, m, "num_layers", Double.NaN).intValue(), LinearAttentionHeads.bool(L, m, "use_output_gate", true),
                    LinearAttentionHeads.bool(L, m, "fuse_norm", true), LinearAttentionHeads.num(L, m, "norm_eps", 1e-5).floatValue(),
                    LinearAttentionHeads.num(L, m, "chunk_size", LinearAttn.DEFAULT_CHUNK_SIZE).intValue());
        }
    }

    private final Config cfg;
    private final LinearAttentionProjections qkv;
    private final LinearAttentionOutput out;
    private final int H, HKV, K, V, D;
    private final float scale;

    private LightningAttention(Config cfg, LinearAttentionProjections qkv, Tensor wg, Tensor wo, Tensor normWeight) {
        this.cfg = cfg;
        this.qkv = qkv;
        H = cfg.numHeads(); HKV = cfg.numKvHeads(); K = cfg.headKDim(); V = cfg.headVDim(); D = cfg.hiddenSize();
        out = new LinearAttentionOutput(wg, normWeight, wo, cfg.normEps(), H, V);
        scale = LinearAttn.defaultScale(K);
    }

    /** Names: q_proj, k_proj, v_proj, g_proj (with output gate), o_proj weights and the norm weight. */
    public static LightningAttention fromWeights(Config c, Weights w) {
        int D = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim();
        return new LightningAttention(c, LinearAttentionProjections.fromWeights(w, D, kd, vd, c.numHeads(), c.numKvHeads()),
                c.useOutputGate() ? w.get("g_proj.weight", vd, D) : null, w.get("o_proj.weight", D, vd),
                w.get(LinearAttentionOutput.normName(c.useOutputGate(), c.fuseNorm()), c.headVDim()));
    }

    public static LightningAttention random(Config c, long seed) {
        Rng r = new Rng(seed);
        int D = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim();
        return new LightningAttention(c, LinearAttentionProjections.random(r, D, kd, vd, c.numHeads(), c.numKvHeads()),
                c.useOutputGate() ? r.linear(vd, D) : null, r.linear(D, vd), r.uniform(0.5f, 1.5f, c.headVDim()));
    }

    /** Typical size: hidden 1024, 8 heads of 128, layer 3 of 12. */
    public static LightningAttention demo(long seed) {
        return random(Config.defaults(1024, 8, 3, 12), seed);
    }

    public Config config() { return cfg; }
    @Override public String name() { return "LightningAttention"; }
    @Override public int hiddenSize() { return D; }

    @Override public LinearAttentionCache newCache(int batch) {
        return new LinearAttentionCache(batch, H, HKV, K, V, false);
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        qkv.checkSequence(x);
        int T = x.dim(1);
        LinearAttentionCache c = cache == null ? null : LinearAttentionCache.check(cache, x.dim(0), H, K, V, false);
        Tensor q = qkv.q(x), k = qkv.repeat(qkv.k(x), K), v = qkv.v(x);
        GlaOutput r = LinearAttn.lightningAttn(q, k, v, cfg.layerIdx(), cfg.numLayers(), scale, c == null ? null : c.state, c != null, null,
                cfg.chunkSize());
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
        LinearAttentionCache c = LinearAttentionCache.check(cache, B, H, K, V, false);
        for (int b = 0; b < B; b++) {
            qkv.step(x, b, c.q, c.kKv, c.vKv);
            qkv.repeatStep(b, c.kKv, c.k, c.vKv, c.v);
        }
        LinearAttn.stepLightningAttn(c.qT, c.kT, c.vT, cfg.layerIdx(), cfg.numLayers(), scale, c.state, c.oT);
        out.step(x, c.o, c.gate, c.normed, y);
        c.tokens++;
    }
}
