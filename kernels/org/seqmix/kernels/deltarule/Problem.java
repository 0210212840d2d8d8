package org.seqmix.kernels.deltarule;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.ValueRange;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * A validated delta-rule call, in the most general (GDN-2) form: per token and value head,
 * {@code S = diag(exp(g)) S; v' = w∘v - Sᵀ(b∘k); S += k v'ᵀ; o = Sᵀ(q·scale)}. The gated delta rule is
 * b = w = beta (scalar per head), g broadcast over K; the delta rule has g = 0; KDA has g per channel.
 * Arrays are contiguous copies or views; q and k are l2-normalised copies when asked.
 */
final class Problem {
    final int b, t, h, hv, kd, vd, n;
    final float[] q, k, v;
    final int qo, ko, vo;
    /** null (no decay), [B,T,HV] (channelGate false) or [B,T,HV,K]. */
    final float[] g;
    final int go;
    final boolean channelGate;
    /** [B,T,HV] scalar beta, or null for gdn2 (then bk/wv are set). */
    final float[] beta;
    final int betaO;
    final float[] bk, wv;
    final int bkO, wvO;
    final float scale;
    final int[] cu;
    final Tensor initialState;
    /** q and k are the caller's (unnormalised) arrays and the consumer l2-normalises each row itself (recurrent form). */
    final boolean l2normPending;

    private Problem(Builder x) {
        b = x.b; t = x.t; h = x.h; hv = x.hv; kd = x.kd; vd = x.vd; n = x.n;
        q = x.q; qo = x.qo; k = x.k; ko = x.ko; v = x.v; vo = x.vo;
        g = x.g; go = x.go; channelGate = x.channelGate;
        beta = x.beta; betaO = x.betaO; bk = x.bk; bkO = x.bkO; wv = x.wv; wvO = x.wvO;
        scale = x.scale; cu = x.cu; initialState = x.initialState; l2normPending = x.l2normPending;
    }

    /** Start token (in batch row {@link #batchOf}) and length of sequence {@code s}. */
    int seqStart(int s) { return cu == null ? 0 : cu[s]; }
    int seqLen(int s) { return cu == null ? t : cu[s + 1] - cu[s]; }
    int batchOf(int s) { return cu == null ? s : 0; }

    /** Flat token index of (batch, position). */
    int token(int bi, int pos) { return bi * t + pos; }

    /**
     * Validates and builds. {@code g} may be null, [B,T,HV] or (channel) [B,T,HV,K]; gdn2 passes {@code b}
     * [B,T,HV,K] and {@code w} [B,T,HV,V] instead of beta.
     */
    static Problem of(Tensor q, Tensor k, Tensor v, Tensor g, boolean channelGate, Tensor beta, Tensor bGate, Tensor wGate,
                      Float scale, Tensor initialState, int[] cuSeqlens, boolean l2norm) {
        return of(q, k, v, g, channelGate, beta, bGate, wGate, scale, initialState, cuSeqlens, l2norm, false);
    }

    /** As above; {@code deferL2norm} leaves q and k unnormalised and sets {@link #l2normPending} instead of copying them. */
    static Problem of(Tensor q, Tensor k, Tensor v, Tensor g, boolean channelGate, Tensor beta, Tensor bGate, Tensor wGate,
                      Float scale, Tensor initialState, int[] cuSeqlens, boolean l2norm, boolean deferL2norm) {
        Shapes.checkRank("q", q, 4, "B, T, H, K");
        int b = Shapes.positive("B", q.dim(0)), t = Shapes.positive("T", q.dim(1));
        int h = Shapes.positive("H", q.dim(2)), kd = Shapes.positive("K", q.dim(3));
        Shapes.checkNamed("k", k, "B, T, H, K", b, t, h, kd);
        Shapes.checkRank("v", v, 4, "B, T, HV, V");
        Shapes.checkNamed("v", v, "B, T, HV, V", b, t, Shapes.ANY, Shapes.ANY);
        int hv = Shapes.positive("HV", v.dim(2)), vd = Shapes.positive("V", v.dim(3));
        Shapes.divisible("num_v_heads HV", hv, "num_heads H", h);
        if (g != null) {
            if (channelGate) Shapes.checkNamed("g", g, "B, T, HV, K", b, t, hv, kd);
            else Shapes.checkNamed("g", g, "B, T, HV", b, t, hv);
        }
        if (beta != null) Shapes.checkNamed("beta", beta, "B, T, HV", b, t, hv);
        if (bGate != null) Shapes.checkNamed("b", bGate, "B, T, HV, K", b, t, hv, kd);
        if (wGate != null) Shapes.checkNamed("w", wGate, "B, T, HV, V", b, t, hv, vd);
        Shapes.require(beta != null || (bGate != null && wGate != null), "beta: expected shape [B, T, HV], got null");
        int n = b;
        if (cuSeqlens != null) {
            Shapes.require(b == 1, "cu_seqlens: packed variable-length input needs B = 1, got q " + q);
            Shapes.checkCuSeqlens(cuSeqlens, t);
            n = cuSeqlens.length - 1;
        }
        if (initialState != null) Shapes.checkNamed("initial_state", initialState, cuSeqlens == null ? "B, HV, K, V" : "N, HV, K, V", n, hv, kd, vd);
        float sc = scale == null ? (float) (1.0 / Math.sqrt(kd)) : Shapes.finite("scale", scale);
        Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
        Tensor gc = g == null ? null : g.contiguous();
        Tensor bc = beta == null ? null : beta.contiguous();
        Tensor bgc = bGate == null ? null : bGate.contiguous();
        Tensor wgc = wGate == null ? null : wGate.contiguous();
        if (gc != null) checkDecay(gc);
        if (bc != null) checkBeta("beta", bc);
        if (bgc != null) checkBeta("b", bgc);
        if (wgc != null) checkBeta("w", wgc);
        if (initialState != null) Shapes.allFinite("initial_state", initialState);

        Builder x = new Builder();
        x.b = b; x.t = t; x.h = h; x.hv = hv; x.kd = kd; x.vd = vd; x.n = n;
        if (l2norm && !deferL2norm) {
            x.q = normalised(qc, kd); x.k = normalised(kc, kd);
        } else {
            x.q = qc.data(); x.qo = qc.offset(); x.k = kc.data(); x.ko = kc.offset();
        }
        x.v = vc.data(); x.vo = vc.offset();
        if (gc != null) { x.g = gc.data(); x.go = gc.offset(); }
        x.channelGate = channelGate;
        if (bc != null) { x.beta = bc.data(); x.betaO = bc.offset(); }
        if (bgc != null) { x.bk = bgc.data(); x.bkO = bgc.offset(); x.wv = wgc.data(); x.wvO = wgc.offset(); }
        x.l2normPending = l2norm && deferL2norm;
        x.scale = sc; x.cu = cuSeqlens; x.initialState = initialState == null ? null : initialState.contiguous();
        return new Problem(x);
    }

    /** Log decays must be finite and <= 0 (a decay, not a growth; -Inf would make the chunk form's G_t - G_j NaN). */
    static void checkDecay(Tensor g) {
        float[] a = g.data();
        int o = g.offset(), len = g.numel();
        if (ValueRange.logDecays(a, o, len)) return;
        for (int i = 0; i < len; i++) {
            float x = a[o + i];
            if (!(x <= 0f && x > Float.NEGATIVE_INFINITY)) {
                throw new IllegalArgumentException("g " + g + ": expected finite log decays <= 0, got " + x + " at flat index " + i);
            }
        }
    }

    /** beta (and gdn2's b, w) must lie in [0, 2] (2 allows negative eigenvalues) and not be NaN. */
    static void checkBeta(String name, Tensor t) {
        float[] a = t.data();
        int o = t.offset(), len = t.numel();
        if (ValueRange.within(a, o, len, 0f, 2f)) return;
        for (int i = 0; i < len; i++) {
            float x = a[o + i];
            if (!(x >= 0f && x <= 2f)) throw new IllegalArgumentException(name + " " + t + ": expected values in [0, 2], got " + x + " at flat index " + i);
        }
    }

    /** fla's l2norm over the last axis: x / sqrt(sum x² + 1e-6). */
    private static float[] normalised(Tensor x, int kd) {
        float[] out = x.toArray();
        VectorOps ops = VectorizationProvider.ops();
        for (int i = 0; i < out.length; i += kd) ops.l2Normalize(out, i, 1e-6f, kd);
        return out;
    }

    private static final class Builder {
        int b, t, h, hv, kd, vd, n, qo, ko, vo, go, betaO, bkO, wvO;
        float[] q, k, v, g, beta, bk, wv;
        boolean channelGate, l2normPending;
        float scale;
        int[] cu;
        Tensor initialState;
    }
}
