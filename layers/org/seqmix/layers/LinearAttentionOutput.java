package org.seqmix.layers;

import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * The output path of fla's linear-attention layers (gla.py, simple_gla.py, linear_attn.py): per head
 * {@code rmsnorm(o)·weight·silu(g_proj(x))} (fla's fused {@code g_norm_swish_gate}, or {@code g_norm} then the gate:
 * the same maths), {@code rmsnorm(o)·weight} without output gate, or nothing without norm; then {@code o_proj}.
 * Package-private.
 */
final class LinearAttentionOutput {
    private final Tensor wg, normWeight, wo;
    private final float eps;
    private final int heads, headV, hidden;

    /** {@code wg} null: no output gate; {@code normWeight} null: no norm (then no gate either). */
    LinearAttentionOutput(Tensor wg, Tensor normWeight, Tensor wo, float eps, int heads, int headV) {
        this.wg = wg;
        this.normWeight = normWeight;
        this.wo = wo;
        this.eps = eps;
        this.heads = heads;
        this.headV = headV;
        this.hidden = wo.dim(0);
    }

    /** fla's name of the norm weight: the fused swish-gated norm, or the plain g_norm. */
    static String normName(boolean useOutputGate, boolean fuseNorm) {
        return useOutputGate && fuseNorm ? "g_norm_swish_gate.weight" : "g_norm.weight";
    }

    /** Whole sequence: o {@code [B, T, H, V]} (normed in place) to {@code [B, T, hidden]}, gated by x {@code [B, T, hidden]}. */
    Tensor forward(Tensor x, Tensor o) {
        int b = o.dim(0), t = o.dim(1), width = heads * headV;
        if (normWeight != null) {
            Tensor gate = wg == null ? null : Linear.apply(x, wg, null);
            float[] oa = o.data();
            VectorOps ops = VectorizationProvider.ops();
            for (int row = 0; row < b * t * heads; row++) norm(ops, oa, row * headV, gate == null ? null : gate.data(), row * headV, oa, row * headV);
        }
        return Linear.apply(o.reshape(b, t, width), wo, null);
    }

    /**
     * One token: o {@code [B, H·V]} to y {@code [B, hidden]}, gated by x {@code [B, hidden]}; {@code gate} and
     * {@code normed} are scratch of H·V floats. Allocation-free.
     */
    void step(Tensor x, float[] o, float[] gate, float[] normed, Tensor y) {
        int width = heads * headV;
        VectorOps ops = VectorizationProvider.ops();
        for (int b = 0; b < x.dim(0); b++) {
            if (normWeight == null) {
                Linear.gemv(wo, null, o, b * width, y.data(), y.offset() + b * hidden);
                continue;
            }
            if (wg != null) Linear.gemv(wg, null, x.data(), x.offset() + b * hidden, gate, 0);
            for (int h = 0; h < heads; h++) norm(ops, o, b * width + h * headV, wg == null ? null : gate, h * headV, normed, h * headV);
            Linear.gemv(wo, null, normed, 0, y.data(), y.offset() + b * hidden);
        }
    }

    private void norm(VectorOps ops, float[] o, int oo, float[] gate, int go, float[] out, int outo) {
        if (gate == null) ops.rmsNorm(o, oo, normWeight.data(), normWeight.offset(), eps, out, outo, headV);
        else ops.gatedRmsNorm(o, oo, gate, go, normWeight.data(), normWeight.offset(), eps, out, outo, headV);
    }
}
