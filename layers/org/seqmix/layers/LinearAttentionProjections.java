package org.seqmix.layers;

import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;

/**
 * The input side of fla's linear-attention layers (gla.py, simple_gla.py, linear_attn.py): {@code q_proj
 * [H·K, hidden]} and {@code k_proj, v_proj} per kv head, whose heads are repeated to the H query heads. Package-private.
 */
final class LinearAttentionProjections {
    private final Tensor wq, wk, wv;
    private final int heads, kvHeads, hidden;

    private LinearAttentionProjections(Tensor wq, Tensor wk, Tensor wv, int heads, int kvHeads) {
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.hidden = wq.dim(1);
    }

    /** q_proj, k_proj, v_proj weights under fla's names. */
    static LinearAttentionProjections fromWeights(Weights w, int hidden, int keyDim, int valueDim, int heads, int kvHeads) {
        int g = heads / kvHeads;
        return new LinearAttentionProjections(w.get("q_proj.weight", keyDim, hidden), w.get("k_proj.weight", keyDim / g, hidden),
                w.get("v_proj.weight", valueDim / g, hidden), heads, kvHeads);
    }

    /** PyTorch Linear init, drawn q, k, v. */
    static LinearAttentionProjections random(Rng r, int hidden, int keyDim, int valueDim, int heads, int kvHeads) {
        int g = heads / kvHeads;
        return new LinearAttentionProjections(r.linear(keyDim, hidden), r.linear(keyDim / g, hidden), r.linear(valueDim / g, hidden), heads, kvHeads);
    }

    /** Checks x {@code [B, T, hidden]}, B and T > 0, finite values. */
    void checkSequence(Tensor x) {
        Shapes.checkNamed("x", x, "B, T, hidden", Shapes.ANY, Shapes.ANY, hidden);
        Shapes.positive("x: B", x.dim(0));
        Shapes.positive("x: T", x.dim(1));
        Shapes.allFinite("x", x);
    }

    /** q {@code [B, T, H, K]} of x {@code [B, T, hidden]}. */
    Tensor q(Tensor x) {
        return Linear.apply(x, wq, null).reshape(x.dim(0), x.dim(1), heads, wq.dim(0) / heads);
    }

    /** k per kv head, {@code [B, T, HKV·K]} (not yet repeated). */
    Tensor k(Tensor x) {
        return Linear.apply(x, wk, null);
    }

    /** v repeated to the query heads, {@code [B, T, H, V]}. */
    Tensor v(Tensor x) {
        return repeat(Linear.apply(x, wv, null), wv.dim(0) / kvHeads);
    }

    /** {@code [B, T, HKV·d]} to {@code [B, T, H, d]}, query head h reading kv head h / (H / HKV). */
    Tensor repeat(Tensor t, int d) {
        return LinearAttentionHeads.repeatKv(t, t.dim(0), t.dim(1), kvHeads, heads, d);
    }

    /** One token of sequence b of x {@code [B, hidden]}: q into {@code q[b·H·K ..]}, k and v per kv head into kKv, vKv. */
    void step(Tensor x, int b, float[] q, float[] kKv, float[] vKv) {
        float[] xd = x.data();
        int xo = x.offset() + b * hidden;
        Linear.gemv(wq, null, xd, xo, q, b * wq.dim(0));
        Linear.gemv(wk, null, xd, xo, kKv, 0);
        Linear.gemv(wv, null, xd, xo, vKv, 0);
    }

    /** One token's kv-head rows kKv, vKv repeated to the query heads of sequence b in k {@code [B, H, K]}, v {@code [B, H, V]}. */
    void repeatStep(int b, float[] kKv, float[] k, float[] vKv, float[] v) {
        int kd = wk.dim(0) / kvHeads, vd = wv.dim(0) / kvHeads;
        LinearAttentionHeads.repeatRow(kKv, k, b * heads * kd, kvHeads, heads, kd);
        LinearAttentionHeads.repeatRow(vKv, v, b * heads * vd, kvHeads, heads, vd);
    }
}
