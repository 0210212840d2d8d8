package org.seqmix.kernels.deltarule;

import java.util.function.IntConsumer;
import org.seqmix.core.Parallel;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * One decoding token of the delta-rule family for a batch, allocation-free: the caller's state
 * {@code [B, HV, K, V]} is updated in place and {@code o [B, HV, V]} written. Scratch is preallocated here, so an
 * instance serves one caller at a time (not thread-safe); (batch, value head) items run in parallel.
 * All tensors must be contiguous. A rejected call (IllegalArgumentException) modifies nothing.
 */
public final class DeltaRuleStep {
    private final int batch, h, hv, kd, vd;
    private final float scale;
    private final boolean l2norm;
    private final DeltaStepKernel ker;
    private final VectorOps ops = VectorizationProvider.ops();
    private final RecurrentDeltaRule.Block[] scratch;
    private final IntConsumer body = this::item;

    // operands of the call in progress (read by body)
    private float[] cq, ck, cv, cg, cbeta, cb, cw, cs, co;
    private int cqo, cko, cvo, cgo, cbetao, cbo, cwo, cso, coo;
    private boolean cChannel;

    /** {@code scale} null means K^-0.5; {@code useQkL2normInKernel} l2-normalises q and k per head (eps 1e-6). */
    public DeltaRuleStep(int batch, int numHeads, int numVHeads, int headKDim, int headVDim, Float scale, boolean useQkL2normInKernel) {
        this(batch, numHeads, numVHeads, headKDim, headVDim, scale, useQkL2normInKernel, DeltaStepKernel.best());
    }

    DeltaRuleStep(int batch, int numHeads, int numVHeads, int headKDim, int headVDim, Float scale, boolean useQkL2normInKernel, DeltaStepKernel ker) {
        this.batch = Shapes.positive("batch", batch);
        this.h = Shapes.positive("num_heads", numHeads);
        this.hv = Shapes.positive("num_v_heads", numVHeads);
        Shapes.divisible("num_v_heads", numVHeads, "num_heads", numHeads);
        this.kd = Shapes.positive("head_k_dim", headKDim);
        this.vd = Shapes.positive("head_v_dim", headVDim);
        this.scale = scale == null ? (float) (1.0 / Math.sqrt(headKDim)) : Shapes.finite("scale", scale);
        this.l2norm = useQkL2normInKernel;
        this.ker = ker;
        scratch = new RecurrentDeltaRule.Block[batch * numVHeads];
        for (int i = 0; i < scratch.length; i++) scratch[i] = new RecurrentDeltaRule.Block(1, headKDim, headVDim);
    }

    /** Gated delta rule: q, k {@code [B,H,K]}, v {@code [B,HV,V]}, g {@code [B,HV]} or null, beta {@code [B,HV]}. */
    public void gatedDeltaRule(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor state, Tensor o) {
        checkCommon(q, k, v, state, o);
        if (g != null) { check2("g", g, "B, HV", batch, hv); checkDecay(g); }
        check2("beta", beta, "B, HV", batch, hv);
        checkRange("beta", beta);
        run(q, k, v, g, false, beta, null, null, state, o);
    }

    /** KDA: g {@code [B,HV,K]} channel-wise log decays, beta {@code [B,HV]}. */
    public void kda(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor state, Tensor o) {
        checkCommon(q, k, v, state, o);
        check3("g", g, "B, HV, K", batch, hv, kd);
        checkDecay(g);
        check2("beta", beta, "B, HV", batch, hv);
        checkRange("beta", beta);
        run(q, k, v, g, true, beta, null, null, state, o);
    }

    /** Gated DeltaNet-2: g, b {@code [B,HV,K]}, w {@code [B,HV,V]}. */
    public void gdn2(Tensor q, Tensor k, Tensor v, Tensor g, Tensor b, Tensor w, Tensor state, Tensor o) {
        checkCommon(q, k, v, state, o);
        check3("g", g, "B, HV, K", batch, hv, kd);
        checkDecay(g);
        check3("b", b, "B, HV, K", batch, hv, kd);
        checkRange("b", b);
        check3("w", w, "B, HV, V", batch, hv, vd);
        checkRange("w", w);
        run(q, k, v, g, true, null, b, w, state, o);
    }

    private void run(Tensor q, Tensor k, Tensor v, Tensor g, boolean channel, Tensor beta, Tensor b, Tensor w, Tensor state, Tensor o) {
        // l2norm (when asked) is fused into each item's prepare, so it runs on the item's thread
        cq = q.data(); cqo = q.offset(); ck = k.data(); cko = k.offset();
        cv = v.data(); cvo = v.offset();
        cg = g == null ? null : g.data(); cgo = g == null ? 0 : g.offset(); cChannel = channel;
        cbeta = beta == null ? null : beta.data(); cbetao = beta == null ? 0 : beta.offset();
        cb = b == null ? null : b.data(); cbo = b == null ? 0 : b.offset();
        cw = w == null ? null : w.data(); cwo = w == null ? 0 : w.offset();
        cs = state.data(); cso = state.offset(); co = o.data(); coo = o.offset();
        try {
            Parallel.forRangeAffine(batch * hv, body);
        } finally {
            cq = ck = cv = cg = cbeta = cb = cw = cs = co = null;
        }
    }

    private void item(int it) {
        int bi = it / hv, head = it % hv, qh = bi * h + head / (hv / h);
        RecurrentDeltaRule.Block blk = scratch[it];
        RecurrentDeltaRule.prepare(ops, blk, 0, kd, vd, cq, cqo + qh * kd, ck, cko + qh * kd, cv, cvo + it * vd,
                cg, cg == null ? 0 : cgo + (cChannel ? it * kd : it), cChannel,
                cbeta == null ? 0f : cbeta[cbetao + it], cb, cbo + it * kd, cw, cwo + it * vd, scale, l2norm, false);
        ker.block(cs, cso + it * kd * vd, kd, vd, 1, blk.dec, null, blk.bk, blk.kk, blk.qs, blk.wv, null, co, coo + it * vd, vd, false);
    }

    private void checkCommon(Tensor q, Tensor k, Tensor v, Tensor state, Tensor o) {
        check3("q", q, "B, H, K", batch, h, kd);
        check3("k", k, "B, H, K", batch, h, kd);
        check3("v", v, "B, HV, V", batch, hv, vd);
        if (state == null || state.rank() != 4 || state.dim(0) != batch || state.dim(1) != hv || state.dim(2) != kd || state.dim(3) != vd) {
            Shapes.checkNamed("state", state, "B, HV, K, V", batch, hv, kd, vd);
        }
        check3("o", o, "B, HV, V", batch, hv, vd);
        Shapes.require(state.isContiguous(), "state: expected a contiguous tensor");
    }

    // shape checks that allocate only on failure (the varargs array is built on the throwing path)
    private static void check2(String name, Tensor t, String axes, int a, int b) {
        if (t == null || t.rank() != 2 || t.dim(0) != a || t.dim(1) != b) Shapes.checkNamed(name, t, axes, a, b);
        if (!t.isContiguous()) throw new IllegalArgumentException(name + ": expected a contiguous tensor");
    }

    private static void check3(String name, Tensor t, String axes, int a, int b, int c) {
        if (t == null || t.rank() != 3 || t.dim(0) != a || t.dim(1) != b || t.dim(2) != c) Shapes.checkNamed(name, t, axes, a, b, c);
        if (!t.isContiguous()) throw new IllegalArgumentException(name + ": expected a contiguous tensor");
    }

    // one vectorised pass per token; the Problem checks name the offending element when there is one
    private void checkDecay(Tensor g) {
        if (!ops.allWithin(g.data(), g.offset(), g.numel(), -Float.MAX_VALUE, 0f)) Problem.checkDecay(g);
    }

    private void checkRange(String name, Tensor t) {
        if (!ops.allWithin(t.data(), t.offset(), t.numel(), 0f, 2f)) Problem.checkBeta(name, t);
    }
}
