package org.seqmix.layers;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;
import org.seqmix.kernels.conv.CausalConv1d;

/**
 * Pieces shared by the delta-rule layers: the q/k/v projections with their short causal convolutions (SiLU),
 * in whole-sequence and one-token forms, and the per-head output norm. Package-private.
 */
final class GatedDeltaNetBlocks {
    final Tensor wq, wk, wv;
    /** [D, W] conv weights and [D] biases, or null without short conv / bias. */
    final Tensor cq, ck, cv, bq, bk, bv;

    GatedDeltaNetBlocks(Weights w, int hidden, int keyDim, int valueDim, boolean shortConv, int convSize, boolean convBias) {
        wq = w.get("q_proj.weight", keyDim, hidden);
        wk = w.get("k_proj.weight", keyDim, hidden);
        wv = w.get("v_proj.weight", valueDim, hidden);
        if (shortConv) {
            cq = w.get("q_conv1d.weight", keyDim, 1, convSize).reshape(keyDim, convSize);
            ck = w.get("k_conv1d.weight", keyDim, 1, convSize).reshape(keyDim, convSize);
            cv = w.get("v_conv1d.weight", valueDim, 1, convSize).reshape(valueDim, convSize);
            bq = convBias ? w.get("q_conv1d.bias", keyDim) : null;
            bk = convBias ? w.get("k_conv1d.bias", keyDim) : null;
            bv = convBias ? w.get("v_conv1d.bias", valueDim) : null;
        } else {
            cq = ck = cv = bq = bk = bv = null;
        }
    }

    /** Whole sequence: q, k, v {@code [B, T, D]}; new conv states go to {@code conv[0..2]} when a cache is given. */
    Tensor[] qkv(Tensor x, GatedDeltaNetCache cache, Tensor[] conv) {
        Tensor q = Linear.apply(x, wq, null), k = Linear.apply(x, wk, null), v = Linear.apply(x, wv, null);
        if (cq == null) return new Tensor[] {silu(q), silu(k), silu(v)};
        int b = x.dim(0);
        if (cache != null) {
            conv[0] = Tensor.zeros(b, cq.dim(0), cq.dim(1) - 1);
            conv[1] = Tensor.zeros(b, ck.dim(0), ck.dim(1) - 1);
            conv[2] = Tensor.zeros(b, cv.dim(0), cv.dim(1) - 1);
        }
        return new Tensor[] {
            CausalConv1d.forward(q, cq, bq, true, cache == null ? null : cache.convQ, cache == null ? null : conv[0]),
            CausalConv1d.forward(k, ck, bk, true, cache == null ? null : cache.convK, cache == null ? null : conv[1]),
            CausalConv1d.forward(v, cv, bv, true, cache == null ? null : cache.convV, cache == null ? null : conv[2])};
    }

    /** One token: x {@code [B, hidden]} (contiguous) into {@code c.qT, c.kT, c.vT}; rolls the conv states. */
    void qkvStep(Tensor x, GatedDeltaNetCache c) {
        int b = x.dim(0), hidden = x.dim(1);
        float[] xa = x.data();
        for (int bi = 0; bi < b; bi++) {
            int xo = x.offset() + bi * hidden;
            Linear.gemv(wq, null, xa, xo, c.qp, bi * wq.dim(0));
            Linear.gemv(wk, null, xa, xo, c.kp, bi * wk.dim(0));
            Linear.gemv(wv, null, xa, xo, c.vp, bi * wv.dim(0));
        }
        if (cq == null) {
            VectorOps ops = VectorizationProvider.ops();
            ops.silu(c.qp, 0, c.qT.data(), 0, c.qp.length);
            ops.silu(c.kp, 0, c.kT.data(), 0, c.kp.length);
            ops.silu(c.vp, 0, c.vT.data(), 0, c.vp.length);
        } else {
            CausalConv1d.step(c.qpT, cq, bq, true, c.convQ, c.qT);
            CausalConv1d.step(c.kpT, ck, bk, true, c.convK, c.kT);
            CausalConv1d.step(c.vpT, cv, bv, true, c.convV, c.vT);
        }
    }

    private static Tensor silu(Tensor t) {
        float[] a = t.data();
        VectorizationProvider.ops().silu(a, t.offset(), a, t.offset(), t.numel());
        return t;
    }

    /** Rejects NaN/Inf in x (before anything is touched: a NaN would otherwise fail deep in the kernel). */
    static void checkFinite(String name, Tensor x) {
        Shapes.allFinite(name, x);
    }

    /** Validates a step call's x [B, hidden] / y [B, hidden], both contiguous, allocating only on failure. */
    static void checkStep(Tensor x, Tensor y, int b, int hidden) {
        if (x == null || x.rank() != 2 || x.dim(1) != hidden) Shapes.checkNamed("x", x, "B, hidden", Shapes.ANY, hidden);
        if (y == null || y.rank() != 2 || y.dim(0) != b || y.dim(1) != hidden) Shapes.checkNamed("y", y, "B, hidden", b, hidden);
        Shapes.require(x.isContiguous() && y.isContiguous(), "x, y: expected contiguous tensors");
        Shapes.require(x.data() != y.data(), "y: may not share storage with x");
    }

    /** Reads config keys: fails on keys the layer does not know. */
    static void checkKeys(java.util.Map<String, Object> cfg, java.util.Set<String> known, String layer) {
        for (String k : cfg.keySet()) {
            if (!known.contains(k)) throw new IllegalArgumentException(layer + " config: unsupported key '" + k + "' (known: " + known + ")");
        }
    }

    static int intOr(java.util.Map<String, Object> cfg, String k, int d) {
        Object o = cfg.get(k);
        return o == null ? d : ((Number) o).intValue();
    }

    static double doubleOr(java.util.Map<String, Object> cfg, String k, double d) {
        Object o = cfg.get(k);
        return o == null ? d : ((Number) o).doubleValue();
    }

    static boolean boolOr(java.util.Map<String, Object> cfg, String k, boolean d) {
        Object o = cfg.get(k);
        return o == null ? d : (Boolean) o;
    }

    /** head_dim * expand_v, required to be an integer as fla. */
    static int headVDim(int headDim, double expandV) {
        double hv = headDim * expandV;
        int r = (int) Math.round(hv);
        if (!(r > 0 && Math.abs(hv - r) < 1e-5 * Math.max(1, hv))) {
            throw new IllegalArgumentException("expand_v = " + expandV + ": head_dim * expand_v = " + hv + " is not a positive integer");
        }
        return r;
    }
}
