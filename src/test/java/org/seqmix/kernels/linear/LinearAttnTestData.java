package org.seqmix.kernels.linear;

import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

/** Random inputs of one op; g in a given log-decay range. */
record LinearAttnTestData(String op, Tensor q, Tensor k, Tensor v, Tensor g, Tensor h0, float scale) {
    static final int LAYER_IDX = 2, NUM_LAYERS = 6;

    static LinearAttnTestData random(String op, long seed, int B, int T, int H, int K, int V, float gLo, float gHi, boolean withState) {
        Rng r = new Rng(seed);
        Tensor q = r.normal(1f, B, T, H, K), k = r.normal(1f, B, T, H, K), v = r.normal(1f, B, T, H, V);
        Tensor g = switch (op) {
            case "simple_gla" -> r.uniform(gLo, gHi, B, T, H);
            case "gla" -> r.uniform(gLo, gHi, B, T, H, K);
            default -> null;
        };
        if (op.equals("linear_attn_normalize")) {
            // positive features keep the normaliser away from zero, as with elu+1
            for (Tensor t : new Tensor[] {q, k}) {
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) d[i] = Math.abs(d[i]) + 0.1f;
            }
        }
        Tensor h0 = withState ? r.normal(1f, B, H, K, V) : null;
        return new LinearAttnTestData(op, q, k, v, g, h0, LinearAttn.defaultScale(K));
    }

    GlaOutput chunk(Tensor initial, int[] cu, int chunk) {
        return switch (op) {
            case "linear_attn" -> LinearAttn.chunkLinearAttn(q, k, v, scale, initial, true, false, null, cu, chunk);
            case "linear_attn_normalize" -> LinearAttn.chunkLinearAttn(q, k, v, scale, initial, true, true, null, cu, chunk);
            case "simple_gla" -> LinearAttn.chunkSimpleGla(q, k, v, g, scale, initial, true, cu, chunk);
            case "lightning_attn" -> LinearAttn.chunkLightningAttn(q, k, v, LAYER_IDX, NUM_LAYERS, scale, initial, true, cu, chunk);
            default -> LinearAttn.chunkGla(q, k, v, g, scale, initial, true, cu, chunk);
        };
    }

    GlaOutput recurrent(Tensor initial, int[] cu) {
        return switch (op) {
            case "linear_attn" -> LinearAttn.fusedRecurrentLinearAttn(q, k, v, scale, initial, true, false, null, cu);
            case "linear_attn_normalize" -> LinearAttn.fusedRecurrentLinearAttn(q, k, v, scale, initial, true, true, null, cu);
            case "simple_gla" -> LinearAttn.fusedRecurrentSimpleGla(q, k, v, g, scale, initial, true, cu);
            case "lightning_attn" -> LinearAttn.fusedRecurrentLightningAttn(q, k, v, LAYER_IDX, NUM_LAYERS, scale, initial, true, cu);
            default -> LinearAttn.fusedRecurrentGla(q, k, v, g, scale, initial, true, cu);
        };
    }

    /** Tokens [t0, t1) of batch row b as a [1, t1-t0, ...] copy. */
    LinearAttnTestData slice(int b, int t0, int t1) {
        return new LinearAttnTestData(op, cut(q, b, t0, t1), cut(k, b, t0, t1), cut(v, b, t0, t1), g == null ? null : cut(g, b, t0, t1),
                h0 == null ? null : h0.slice(0, b, b + 1).copy(), scale);
    }

    static Tensor cut(Tensor t, int b, int t0, int t1) {
        return t.slice(0, b, b + 1).slice(1, t0, t1).copy();
    }

    Tensor[] naive() {
        float[] gamma = op.equals("lightning_attn") ? LinearAttn.lightningDecay(q.dim(2), LAYER_IDX, NUM_LAYERS) : null;
        return NaiveGla.run(q, k, v, g, gamma, scale, h0, op.equals("linear_attn_normalize"));
    }
}
