package org.seqmix.layers;

import java.util.Map;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;
import org.seqmix.kernels.conv.CausalConv1d;
import org.seqmix.kernels.deltarule.DeltaRuleGates;
import org.seqmix.kernels.deltarule.DeltaRuleOutput;

/**
 * The frame every delta-rule layer (fla's gated_deltanet.py, kda.py, gdn2.py) shares around its gates and kernel:
 * the input checks, the q/k/v projections with their short causal convolutions (SiLU), the per-head output norm
 * {@code o_norm} and {@code o_proj}, and the cache update, in whole-sequence and one-token forms. Package-private.
 */
final class GatedDeltaNetBlocks {
    final int hidden, h, hv, kd, vd;
    /** The kernels' scale K^-0.5. */
    final float scale;
    final Tensor wq, wk, wv;
    /** [D, W] conv weights and [D] biases, or null without short conv / bias. */
    final Tensor cq, ck, cv, bq, bk, bv;
    private final Tensor oNorm, wo;
    private final float normEps;
    private final boolean sigmoidGate;

    /** {@code sigmoidGate}: o_norm gates with sigmoid (KDA, GDN-2), else with SiLU (Gated DeltaNet). */
    GatedDeltaNetBlocks(Weights w, int hidden, int h, int hv, int kd, int vd, boolean shortConv, int convSize, boolean convBias,
                        double normEps, boolean sigmoidGate) {
        this.hidden = hidden;
        this.h = h;
        this.hv = hv;
        this.kd = kd;
        this.vd = vd;
        this.scale = (float) (1 / Math.sqrt(kd));
        this.normEps = (float) normEps;
        this.sigmoidGate = sigmoidGate;
        int keyDim = h * kd, valueDim = hv * vd;
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
        oNorm = w.get("o_norm.weight", vd);
        wo = w.get("o_proj.weight", hidden, valueDim);
    }

    /** The checks the layers' Config records share. */
    static void checkConfig(int hiddenSize, int headDim, int numHeads, int numVHeads, double expandV, boolean useShortConv, int convSize,
                            double normEps, int chunkSize) {
        Shapes.positive("hidden_size", hiddenSize);
        Shapes.positive("head_dim", headDim);
        Shapes.positive("num_heads", numHeads);
        Shapes.positive("num_v_heads", numVHeads);
        Shapes.divisible("num_v_heads", numVHeads, "num_heads", numHeads);
        headVDim(headDim, expandV);
        if (useShortConv) Shapes.positive("conv_size", convSize);
        Shapes.require(normEps > 0 && Double.isFinite(normEps), "norm_eps: expected > 0, got " + normEps);
        Shapes.positive("chunk_size", chunkSize);
    }

    /** Random q/k/v projections, U(-1/sqrt(hidden), 1/sqrt(hidden)). */
    static void randomQkv(Map<String, Tensor> m, Rng r, int hidden, int keyDim, int valueDim) {
        float s = (float) (1 / Math.sqrt(hidden));
        m.put("q_proj.weight", uniform(r, s, keyDim, hidden));
        m.put("k_proj.weight", uniform(r, s, keyDim, hidden));
        m.put("v_proj.weight", uniform(r, s, valueDim, hidden));
    }

    /** Random short convolutions (when used), U(-1/sqrt(W), 1/sqrt(W)). */
    static void randomConv(Map<String, Tensor> m, Rng r, int keyDim, int valueDim, boolean shortConv, int convSize, boolean convBias) {
        if (!shortConv) return;
        float cs = (float) (1 / Math.sqrt(convSize));
        m.put("q_conv1d.weight", uniform(r, cs, keyDim, 1, convSize));
        m.put("k_conv1d.weight", uniform(r, cs, keyDim, 1, convSize));
        m.put("v_conv1d.weight", uniform(r, cs, valueDim, 1, convSize));
        if (convBias) {
            m.put("q_conv1d.bias", uniform(r, cs, keyDim));
            m.put("k_conv1d.bias", uniform(r, cs, keyDim));
            m.put("v_conv1d.bias", uniform(r, cs, valueDim));
        }
    }

    /** Unit o_norm and a random o_proj. */
    static void randomOutput(Map<String, Tensor> m, Rng r, int hidden, int headVDim, int valueDim) {
        m.put("o_norm.weight", Tensor.full(1f, headVDim));
        m.put("o_proj.weight", uniform(r, (float) (1 / Math.sqrt(valueDim)), hidden, valueDim));
    }

    static Tensor uniform(Rng r, float bound, int... shape) {
        return r.uniform(-bound, bound, shape);
    }

    /** A cache for {@code layer}: {@code channelGate} for a per-channel decay, {@code lowRankDim} its f/g_proj scratch. */
    GatedDeltaNetCache newCache(Object layer, int batch, boolean channelGate, int lowRankDim) {
        Shapes.positive("batch", batch);
        return new GatedDeltaNetCache(layer, batch, h, hv, kd, vd, cq == null ? 0 : cq.dim(1), cq != null, channelGate, lowRankDim, scale);
    }

    /** Checks x {@code [B, T, hidden]} (finite) and the cache; returns x contiguous. */
    Tensor checkSequence(Tensor x, MixerCache cache, Object layer) {
        Shapes.checkRank("x", x, 3, "B, T, hidden");
        Shapes.checkNamed("x", x, "B, T, hidden", Shapes.ANY, Shapes.ANY, hidden);
        int b = Shapes.positive("B", x.dim(0));
        Shapes.positive("T", x.dim(1));
        if (cache != null) GatedDeltaNetCache.of(cache, layer, b);
        x = x.contiguous();
        Shapes.allFinite("x", x);
        return x;
    }

    /** Checks a step's x and y {@code [B, hidden]} (contiguous, finite x) against the cache; allocation-free. */
    GatedDeltaNetCache checkStep(Tensor x, MixerCache cache, Object layer, Tensor y) {
        Shapes.require(cache != null, "cache: step needs a cache from newCache");
        GatedDeltaNetCache c = GatedDeltaNetCache.of(cache, layer, cache.batch());
        int b = c.batch;
        if (x == null || x.rank() != 2 || x.dim(0) != b || x.dim(1) != hidden) Shapes.checkNamed("x", x, "B, hidden", b, hidden);
        if (y == null || y.rank() != 2 || y.dim(0) != b || y.dim(1) != hidden) Shapes.checkNamed("y", y, "B, hidden", b, hidden);
        Shapes.require(x.isContiguous() && y.isContiguous(), "x, y: expected contiguous tensors");
        Shapes.require(x.data() != y.data(), "y: may not share storage with x");
        Shapes.allFinite("x", x);
        return c;
    }

    /** Whole sequence: q, k {@code [B, T, H, K]}, v {@code [B, T, HV, V]}; new conv states go to {@code conv[0..2]} with a cache. */
    Tensor[] qkv(Tensor x, GatedDeltaNetCache cache, Tensor[] conv) {
        int b = x.dim(0), t = x.dim(1);
        Tensor q = Linear.apply(x, wq, null), k = Linear.apply(x, wk, null), v = Linear.apply(x, wv, null);
        if (cq == null) {
            q = silu(q);
            k = silu(k);
            v = silu(v);
        } else {
            if (cache != null) {
                conv[0] = Tensor.zeros(b, cq.dim(0), cq.dim(1) - 1);
                conv[1] = Tensor.zeros(b, ck.dim(0), ck.dim(1) - 1);
                conv[2] = Tensor.zeros(b, cv.dim(0), cv.dim(1) - 1);
            }
            q = CausalConv1d.forward(q, cq, bq, true, cache == null ? null : cache.convQ, cache == null ? null : conv[0]);
            k = CausalConv1d.forward(k, ck, bk, true, cache == null ? null : cache.convK, cache == null ? null : conv[1]);
            v = CausalConv1d.forward(v, cv, bv, true, cache == null ? null : cache.convV, cache == null ? null : conv[2]);
        }
        return new Tensor[] {q.reshape(b, t, h, kd), k.reshape(b, t, h, kd), v.reshape(b, t, hv, vd)};
    }

    /** One token: x {@code [B, hidden]} (contiguous) into {@code c.qT, c.kT, c.vT}; rolls the conv states. */
    void qkvStep(Tensor x, GatedDeltaNetCache c) {
        int b = x.dim(0);
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

    /**
     * Whole sequence: {@code o_proj(o_norm(o, gate))} {@code [B, T, hidden]} from the kernel's output, then the cache
     * (when given) takes the final state and the new conv states.
     */
    Tensor output(DeltaRuleOutput out, Tensor gate, GatedDeltaNetCache c, Tensor[] conv) {
        int b = out.o().dim(0), t = out.o().dim(1);
        Tensor on = Tensor.zeros(b, t, hv * vd);
        DeltaRuleGates.outputNorm(out.o().data(), 0, gate == null ? null : gate.data(), 0, oNorm, normEps, sigmoidGate,
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

    /** One token: {@code o_proj(o_norm(c.oT, gate))} into y {@code [B, hidden]}; counts the token. */
    void outputStep(GatedDeltaNetCache c, float[] gate, Tensor y) {
        DeltaRuleGates.outputNorm(c.oT.data(), 0, gate, 0, oNorm, normEps, sigmoidGate, c.onorm, 0, c.batch * hv, vd);
        for (int bi = 0; bi < c.batch; bi++) Linear.gemv(wo, null, c.onorm, bi * hv * vd, y.data(), y.offset() + bi * hidden);
        c.tokens++;
    }

    /** Reads config keys: fails on keys the layer does not know. */
    static void checkKeys(Map<String, Object> cfg, java.util.Set<String> known, String layer) {
        for (String k : cfg.keySet()) {
            if (!known.contains(k)) throw new IllegalArgumentException(layer + " config: unsupported key '" + k + "' (known: " + known + ")");
        }
    }

    static int intOr(Map<String, Object> cfg, String k, int d) {
        Object o = cfg.get(k);
        return o == null ? d : ((Number) o).intValue();
    }

    static double doubleOr(Map<String, Object> cfg, String k, double d) {
        Object o = cfg.get(k);
        return o == null ? d : ((Number) o).doubleValue();
    }

    static boolean boolOr(Map<String, Object> cfg, String k, boolean d) {
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
