package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.linear.GlaOutput;
import org.seqmix.kernels.linear.LinearAttn;

/**
 * fla's {@code LinearAttention} layer (fla/layers/linear_attn.py): q/k/v projections (k, v per kv head, repeated),
 * a parameter-free feature map on q and k (identity, elu+1 or relu), optional sum-normalisation of q and k
 * ({@code norm_q}, {@code norm_k}), linear attention with scale K^-0.5 (normalized by the running key sum when
 * {@code do_feature_map_norm}), a per-head RMSNorm ({@code output_norm = "rmsnorm"}) or none, and {@code o_proj}.
 * Learned feature maps (hedgehog, t2r, elementwise_product, dpfp) are rejected.
 */
public final class LinearAttention implements SequenceMixer {
    public enum FeatureMap { IDENTITY, ELU, RELU }

    public record Config(int hiddenSize, double expandK, double expandV, int numHeads, int numKvHeads, FeatureMap featureMap,
                         boolean rmsNormOutput, boolean normQ, boolean normK, boolean doFeatureMapNorm, float normEps, int chunkSize) {
        private static final Set<String> KNOWN = Set.of("mode", "hidden_size", "expand_k", "expand_v", "num_heads", "num_kv_heads",
                "feature_map", "tie_feature_map_qk", "output_norm", "norm_q", "norm_k", "do_feature_map_norm", "elementwise_affine",
                "norm_eps", "layer_idx", "chunk_size");

        public Config {
            Shapes.positive("hidden_size", hiddenSize);
            Shapes.positive("num_heads", numHeads);
            Shapes.positive("num_kv_heads", numKvHeads);
            Shapes.positive("chunk_size", chunkSize);
            Shapes.require(featureMap != null, "feature_map: expected identity, elu or relu, got null");
            Shapes.require(expandK > 0 && expandV > 0, "expand_k, expand_v: expected > 0, got " + expandK + ", " + expandV);
            Shapes.divisible("num_heads", numHeads, "num_kv_heads", numKvHeads);
            Shapes.divisible("key_dim", keyDim(), "num_heads", numHeads);
            Shapes.divisible("value_dim", valueDim(), "num_heads", numHeads);
            Shapes.require(normEps > 0, "norm_eps: expected > 0, got " + normEps);
        }

        /** hidden, heads, elu+1 feature map, RMSNorm output, no normalisation. */
        public static Config defaults(int hiddenSize, int numHeads) {
            return new Config(hiddenSize, 1.0, 1.0, numHeads, numHeads, FeatureMap.ELU, true, false, false, false, 1e-5f,
                    LinearAttn.DEFAULT_CHUNK_SIZE);
        }

        public int keyDim() { return (int) (hiddenSize * expandK); }
        public int valueDim() { return (int) (hiddenSize * expandV); }
        public int headKDim() { return keyDim() / numHeads; }
        public int headVDim() { return valueDim() / numHeads; }

        /** From fla's constructor arguments; unsupported values and unknown keys are rejected. */
        public static Config fromMap(Map<String, Object> m) {
            String L = "LinearAttention";
            for (String key : m.keySet()) Shapes.require(KNOWN.contains(key), L + " config: unknown key '" + key + "'");
            Object fm = m.getOrDefault("feature_map", "elementwise_product");
            FeatureMap f = switch (String.valueOf(fm)) {
                case "identity" -> FeatureMap.IDENTITY;
                case "elu" -> FeatureMap.ELU;
                case "relu" -> FeatureMap.RELU;
                default -> throw new IllegalArgumentException(L + ": feature_map '" + fm + "' is not supported (identity, elu, relu)");
            };
            Object on = m.getOrDefault("output_norm", "rmsnorm");
            Shapes.require("rmsnorm".equals(on) || "identity".equals(on), L + ": output_norm must be rmsnorm or identity, got " + on);
            Shapes.require(LinearAttentionHeads.bool(L, m, "elementwise_affine", true), L + ": elementwise_affine = false is not supported");
            int heads = LinearAttentionHeads.num(L, m, "num_heads", 8).intValue();
            Object kv = m.get("num_kv_heads");
            return new Config(LinearAttentionHeads.num(L, m, "hidden_size", Double.NaN).intValue(),
                    LinearAttentionHeads.num(L, m, "expand_k", 1.0).doubleValue(), LinearAttentionHeads.num(L, m, "expand_v", 1.0).doubleValue(),
                    heads, kv == null ? heads : ((Number) kv).intValue(), f, "rmsnorm".equals(on), LinearAttentionHeads.bool(L, m, "norm_q", false),
                    LinearAttentionHeads.bool(L, m, "norm_k", false), LinearAttentionHeads.bool(L, m, "do_feature_map_norm", false),
                    LinearAttentionHeads.num(L, m, "norm_eps", 1e-5).floatValue(),
                    LinearAttentionHeads.num(L, m, "chunk_size", LinearAttn.DEFAULT_CHUNK_SIZE).intValue());
        }
    }

    private final Config cfg;
    private final LinearAttentionProjections qkv;
    private final LinearAttentionOutput out;
    private final int H, HKV, K, V, D;
    private final float scale;

    private LinearAttention(Config cfg, LinearAttentionProjections qkv, Tensor wo, Tensor normWeight) {
        this.cfg = cfg;
        this.qkv = qkv;
        H = cfg.numHeads(); HKV = cfg.numKvHeads(); K = cfg.headKDim(); V = cfg.headVDim(); D = cfg.hiddenSize();
        out = new LinearAttentionOutput(null, normWeight, wo, cfg.normEps(), H, V);
        scale = LinearAttn.defaultScale(K);
    }

    /** fla's names: q_proj, k_proj, v_proj, o_proj weights and norm.weight (with RMSNorm output). */
    public static LinearAttention fromWeights(Config c, Weights w) {
        int D = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim();
        return new LinearAttention(c, LinearAttentionProjections.fromWeights(w, D, kd, vd, c.numHeads(), c.numKvHeads()),
                w.get("o_proj.weight", D, vd), c.rmsNormOutput() ? w.get("norm.weight", c.headVDim()) : null);
    }

    public static LinearAttention random(Config c, long seed) {
        Rng r = new Rng(seed);
        int D = c.hiddenSize(), kd = c.keyDim(), vd = c.valueDim();
        return new LinearAttention(c, LinearAttentionProjections.random(r, D, kd, vd, c.numHeads(), c.numKvHeads()), r.linear(D, vd),
                c.rmsNormOutput() ? r.uniform(0.5f, 1.5f, c.headVDim()) : null);
    }

    /** Typical size: hidden 1024, 8 heads of 128, elu+1 feature map. */
    public static LinearAttention demo(long seed) {
        return random(Config.defaults(1024, 8), seed);
    }

    public Config config() { return cfg; }
    @Override public String name() { return "LinearAttention"; }
    @Override public int hiddenSize() { return D; }

    @Override public LinearAttentionCache newCache(int batch) {
        return new LinearAttentionCache(batch, H, HKV, K, V, cfg.doFeatureMapNorm());
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        qkv.checkSequence(x);
        int B = x.dim(0), T = x.dim(1);
        LinearAttentionCache c = cache == null ? null : LinearAttentionCache.check(cache, B, H, K, V, cfg.doFeatureMapNorm());
        Tensor q = qkv.q(x), k = qkv.k(x);
        featureRows(q.data(), B * T * H, cfg.normQ());
        featureRows(k.data(), B * T * HKV, cfg.normK());
        k = qkv.repeat(k, K);
        Tensor v = qkv.v(x);
        GlaOutput r = LinearAttn.linearAttn(q, k, v, scale, c == null ? null : c.state, c != null, cfg.doFeatureMapNorm(),
                c == null ? null : c.keySum, null, cfg.chunkSize());
        Tensor y = out.forward(x, r.o());
        if (c != null) {
            r.finalState().copyInto(c.state);
            if (c.keySum != null) r.keySum().copyInto(c.keySum);
            c.tokens += T;
        }
        return y;
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        LinearAttentionHeads.checkStep(x, y, D);
        int B = x.dim(0);
        LinearAttentionCache c = LinearAttentionCache.check(cache, B, H, K, V, cfg.doFeatureMapNorm());
        for (int b = 0; b < B; b++) {
            qkv.step(x, b, c.q, c.kKv, c.vKv);
            featureRows(c.q, b * H, H, cfg.normQ());
            featureRows(c.kKv, 0, HKV, cfg.normK());
            qkv.repeatStep(b, c.kKv, c.k, c.vKv, c.v);
        }
        LinearAttn.stepLinearAttn(c.qT, c.kT, c.vT, scale, c.state, c.keySum, c.oT);
        out.step(x, c.o, c.gate, c.normed, y);
        c.tokens++;
    }

    private void featureRows(float[] a, int rows, boolean sumNorm) {
        featureRows(a, 0, rows, sumNorm);
    }

    /** Feature map, then (norm_q / norm_k) x / (sum(x) + 1e-4), on rows [row0, row0 + rows) of K channels. */
    private void featureRows(float[] a, int row0, int rows, boolean sumNorm) {
        for (int r = row0; r < row0 + rows; r++) {
            int off = r * K;
            for (int i = off; i < off + K; i++) {
                float x = a[i];
                a[i] = switch (cfg.featureMap()) {
                    case IDENTITY -> x;
                    case ELU -> x > 0 ? x + 1f : (float) Math.exp(x);
                    case RELU -> Math.max(x, 0f);
                };
            }
            if (sumNorm) {
                float s = 0;
                for (int i = off; i < off + K; i++) s += a[i];
                float d = s + 1e-4f;
                for (int i = off; i < off + K; i++) a[i] /= d;
            }
        }
    }
}
