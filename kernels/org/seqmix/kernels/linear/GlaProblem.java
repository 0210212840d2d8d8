package org.seqmix.kernels.linear;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.ValueRange;

/**
 * One validated call of a linear-attention op: the contiguous inputs, their sizes, the gate kind and the
 * sequences. Every op of the family is a gated linear attention {@code S = diag(exp(g))·S + k vᵀ, o = Sᵀ(q·scale)}
 * whose gate is absent (linear attention), one value per head and token (simple GLA), one constant per head
 * (Lightning) or one per key channel (GLA).
 */
final class GlaProblem {
    enum Gate { NONE, HEAD, CONSTANT, KEY }

    final Gate gate;
    final float[] q, k, v, g;
    final int qo, ko, vo, go;
    /** Per-head constant log decay (CONSTANT gate). */
    final float[] gamma;
    final int B, T, H, K, V;
    /** Number of sequences: B, or cu_seqlens.length - 1. */
    final int N;
    final int[] cu;
    final float scale;
    final boolean normalize;
    final Tensor initialState, initialKeySum;

    private GlaProblem(Gate gate, Tensor q, Tensor k, Tensor v, Tensor g, float[] gamma, float scale, Tensor h0, Tensor z0,
                       int[] cu, boolean normalize) {
        this.gate = gate;
        this.q = q.data(); this.qo = q.offset();
        this.k = k.data(); this.ko = k.offset();
        this.v = v.data(); this.vo = v.offset();
        this.g = g == null ? null : g.data();
        this.go = g == null ? 0 : g.offset();
        this.gamma = gamma;
        this.B = q.dim(0); this.T = q.dim(1); this.H = q.dim(2); this.K = q.dim(3); this.V = v.dim(3);
        this.cu = cu == null ? null : cu.clone();
        this.N = cu == null ? B : cu.length - 1;
        this.scale = scale;
        this.normalize = normalize;
        this.initialState = h0;
        this.initialKeySum = z0;
    }

    /**
     * Validates everything before any work: ranks, shapes, sizes, gate values, cu_seqlens, state shapes.
     * {@code g} is [B,T,H] for HEAD, [B,T,H,K] for KEY, null otherwise; {@code gamma} [H] for CONSTANT.
     */
    static GlaProblem of(Gate gate, Tensor q, Tensor k, Tensor v, Tensor g, float[] gamma, float scale, Tensor initialState,
                         Tensor initialKeySum, int[] cuSeqlens, boolean normalize) {
        Shapes.checkRank("q", q, 4, "B, T, H, K");
        int B = Shapes.positive("q: B", q.dim(0)), T = Shapes.positive("q: T", q.dim(1));
        int H = Shapes.positive("q: H", q.dim(2)), K = Shapes.positive("q: K", q.dim(3));
        Shapes.checkNamed("k", k, "B, T, H, K", B, T, H, K);
        Shapes.checkNamed("v", v, "B, T, H, V", B, T, H, Shapes.ANY);
        int V = Shapes.positive("v: V", v.dim(3));
        Shapes.finite("scale", scale);
        switch (gate) {
            case HEAD -> Shapes.checkNamed("g", g, "B, T, H", B, T, H);
            case KEY -> Shapes.checkNamed("g", g, "B, T, H, K", B, T, H, K);
            case CONSTANT -> {
                Shapes.require(gamma != null && gamma.length == H, "decay: expected " + H + " per-head values, got "
                        + (gamma == null ? "null" : gamma.length));
                for (int h = 0; h < H; h++) checkGate("decay", gamma[h], h);
            }
            case NONE -> Shapes.require(g == null, "g: linear attention takes no gate");
        }
        Tensor gc = g == null ? null : g.contiguous();
        if (gc != null && !ValueRange.logDecays(gc.data(), gc.offset(), gc.numel())) {
            float[] a = gc.data();
            for (int i = 0, n = gc.numel(); i < n; i++) checkGate("g", a[gc.offset() + i], i);
        }
        Shapes.require(!normalize || gate == Gate.NONE, "normalize: only linear_attn normalizes");
        int N = B;
        if (cuSeqlens != null) {
            Shapes.require(B == 1, "cu_seqlens: expected q of shape [1, T, H, K] (packed batch), got B = " + B);
            Shapes.checkCuSeqlens(cuSeqlens, T);
            N = cuSeqlens.length - 1;
        }
        if (initialState != null) Shapes.checkNamed("initial_state", initialState, "N, H, K, V", N, H, K, V);
        if (initialKeySum != null) {
            Shapes.require(normalize, "initial_key_sum: only with normalize");
            Shapes.checkNamed("initial_key_sum", initialKeySum, "N, H, K", N, H, K);
        }
        return new GlaProblem(gate, q.contiguous(), k.contiguous(), v.contiguous(), gc, gamma, scale,
                initialState == null ? null : initialState.contiguous(), initialKeySum == null ? null : initialKeySum.contiguous(),
                cuSeqlens, normalize);
    }

    /** Log decays must be finite and <= 0: exp(g) multiplies the state; growth would overflow the chunk exponents. */
    static void checkGate(String name, float x, int index) {
        if (!(x <= 0f) || x == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException(name + ": expected finite log decays <= 0, got " + x + " at flat index " + index);
        }
    }

    int seqStart(int n) { return cu == null ? 0 : cu[n]; }
    int seqEnd(int n) { return cu == null ? T : cu[n + 1]; }
    int batch(int n) { return cu == null ? n : 0; }

    /** Offset of (b, t, h) in q/k (times K) — callers multiply by the channel count. */
    int row(int b, int t, int h) { return (b * T + t) * H + h; }

    /** The scalar log decay of (b, t, h) for NONE / HEAD / CONSTANT gates. */
    float scalarGate(int b, int t, int h) {
        return switch (gate) {
            case NONE -> 0f;
            case HEAD -> g[go + row(b, t, h)];
            case CONSTANT -> gamma[h];
            case KEY -> throw new IllegalStateException("per-key gate");
        };
    }

    /** Fills state [K*V] (and key sum [K]) of sequence n, head h from the initial values (zeros when absent). */
    void loadInitial(int n, int h, float[] S, float[] z) {
        if (initialState != null) {
            System.arraycopy(initialState.data(), initialState.offset() + (n * H + h) * K * V, S, 0, K * V);
        }
        if (z != null && initialKeySum != null) {
            System.arraycopy(initialKeySum.data(), initialKeySum.offset() + (n * H + h) * K, z, 0, K);
        }
    }
}
