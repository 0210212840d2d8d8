package org.seqmix.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.linear.GlaOutput;
import org.seqmix.kernels.linear.LinearAttn;
import org.seqmix.layers.GatedLinearAttention;
import org.seqmix.layers.LightningAttention;
import org.seqmix.layers.LinearAttention;
import org.seqmix.layers.SequenceMixer;
import org.seqmix.layers.Weights;

/**
 * Conformance runners of the linear-attention family: ops {@code linear_attn}, {@code simple_gla},
 * {@code lightning_attn}, {@code gla} (forms chunk and recurrent = the step API fed one token at a time) and the
 * layers {@code GatedLinearAttention}, {@code LinearAttention}, {@code LightningAttention} (forms forward and step).
 */
public final class LinearAttentionOps implements OpFamily {
    private static final List<String> KERNEL_FORMS = List.of("chunk", "recurrent");

    @Override
    public Map<String, OpRunner> runners() {
        Map<String, OpRunner> m = new LinkedHashMap<>();
        for (String op : List.of("linear_attn", "simple_gla", "lightning_attn", "gla")) m.put(op, new KernelRunner(op));
        m.put("layer:GatedLinearAttention", layerRunner(c -> GatedLinearAttention.fromWeights(GatedLinearAttention.Config.fromMap(c.config()),
                Weights.load(c.weightsFile()))));
        m.put("layer:LinearAttention", layerRunner(c -> LinearAttention.fromWeights(LinearAttention.Config.fromMap(c.config()),
                Weights.load(c.weightsFile()))));
        m.put("layer:LightningAttention", layerRunner(c -> LightningAttention.fromWeights(LightningAttention.Config.fromMap(c.config()),
                Weights.load(c.weightsFile()))));
        return m;
    }

    private interface LayerLoader {
        SequenceMixer load(ConformanceCase c) throws Exception;
    }

    private static OpRunner layerRunner(LayerLoader loader) {
        return new OpRunner() {
            @Override public List<String> forms() { return List.of("forward", "step"); }

            @Override public Map<String, Tensor> run(ConformanceCase c, String form) throws Exception {
                return Map.of("y", runLayer(loader.load(c), c.input("x"), form));
            }
        };
    }

    /** forward over the whole sequence from an empty cache, or step token by token from an empty cache. */
    static Tensor runLayer(SequenceMixer layer, Tensor x, String form) {
        int B = x.dim(0), T = x.dim(1), D = x.dim(2);
        if (form.equals("forward")) return layer.forward(x, layer.newCache(B));
        var cache = layer.newCache(B);
        Tensor y = Tensor.zeros(B, T, D);
        Tensor xt = Tensor.zeros(B, D), yt = Tensor.zeros(B, D);
        for (int t = 0; t < T; t++) {
            x.select(1, t).copyInto(xt);
            layer.step(xt, cache, yt);
            yt.copyInto(y.select(1, t));
        }
        return y;
    }

    private record KernelRunner(String op) implements OpRunner {
        @Override public List<String> forms() { return KERNEL_FORMS; }

        @Override public Map<String, Tensor> run(ConformanceCase c, String form) throws Exception {
            Tensor q = c.input("q"), k = c.input("k"), v = c.input("v"), g = c.input("g"), h0 = c.input("initial_state");
            int[] cu = c.inputInts("cu_seqlens");
            float scale = (float) c.param("scale", LinearAttn.defaultScale(q.dim(3)));
            boolean normalize = c.param("normalize", false);
            int layerIdx = c.paramInt("layer_idx", 0), numLayers = c.paramInt("num_layers", 1);
            int chunk = c.paramInt("chunk_size", LinearAttn.DEFAULT_CHUNK_SIZE);
            if (form.equals("chunk")) {
                GlaOutput r = switch (op) {
                    case "linear_attn" -> LinearAttn.chunkLinearAttn(q, k, v, scale, h0, true, normalize, null, cu, chunk);
                    case "simple_gla" -> LinearAttn.chunkSimpleGla(q, k, v, g, scale, h0, true, cu, chunk);
                    case "lightning_attn" -> LinearAttn.chunkLightningAttn(q, k, v, layerIdx, numLayers, scale, h0, true, cu, chunk);
                    default -> LinearAttn.chunkGla(q, k, v, g, scale, h0, true, cu, chunk);
                };
                return outputs(r.o(), r.finalState());
            }
            return recurrent(q, k, v, g, h0, cu, scale, normalize, layerIdx, numLayers);
        }

        /** The step API, one token at a time per sequence, carrying the state. */
        private Map<String, Tensor> recurrent(Tensor q, Tensor k, Tensor v, Tensor g, Tensor h0, int[] cu, float scale, boolean normalize,
                                              int layerIdx, int numLayers) {
            q = q.contiguous(); k = k.contiguous(); v = v.contiguous();
            if (g != null) g = g.contiguous();
            int B = q.dim(0), T = q.dim(1), H = q.dim(2), K = q.dim(3), V = v.dim(3);
            int N = cu == null ? B : cu.length - 1;
            Tensor o = Tensor.zeros(B, T, H, V), fin = Tensor.zeros(N, H, K, V);
            for (int n = 0; n < N; n++) {
                int b = cu == null ? n : 0, s = cu == null ? 0 : cu[n], e = cu == null ? T : cu[n + 1];
                Tensor state = Tensor.zeros(1, H, K, V);
                if (h0 != null) h0.select(0, n).copyInto(state.select(0, 0));
                Tensor z = normalize ? Tensor.zeros(1, H, K) : null;
                for (int t = s; t < e; t++) {
                    Tensor qt = tok(q, b, t), kt = tok(k, b, t), vt = tok(v, b, t), ot = tok(o, b, t);
                    switch (op) {
                        case "linear_attn" -> LinearAttn.stepLinearAttn(qt, kt, vt, scale, state, z, ot);
                        case "simple_gla" -> LinearAttn.stepSimpleGla(qt, kt, vt, g.select(0, b).select(0, t).reshape(1, H), scale, state, ot);
                        case "lightning_attn" -> LinearAttn.stepLightningAttn(qt, kt, vt, layerIdx, numLayers, scale, state, ot);
                        default -> LinearAttn.stepGla(qt, kt, vt, tok(g, b, t), scale, state, ot);
                    }
                }
                state.select(0, 0).copyInto(fin.select(0, n));
            }
            return outputs(o, fin);
        }

        /** x[b, t] as a [1, H, D] view. */
        private static Tensor tok(Tensor x, int b, int t) {
            return x.select(0, b).select(0, t).reshape(1, x.dim(2), x.dim(3));
        }

        private static Map<String, Tensor> outputs(Tensor o, Tensor fin) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("o", o);
            if (fin != null) m.put("final_state", fin);
            return m;
        }
    }
}
