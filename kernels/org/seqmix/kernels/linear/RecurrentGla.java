package org.seqmix.kernels.linear;

import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorOps;

/**
 * Recurrent form: token by token with the [K, V] state, {@code S = diag(exp(g))·S + k vᵀ; o = Sᵀ(q·scale)}
 * (normalized linear attention also keeps the key sum z and divides o by {@code (q·scale)·z + 1e-10}).
 * {@link #updateHead} is the one-token kernel shared by the whole-sequence form and the allocation-free step.
 */
final class RecurrentGla {
    private RecurrentGla() {}

    static GlaOutput run(GlaProblem p) {
        final int H = p.H, K = p.K, V = p.V;
        Tensor o = Tensor.zeros(p.B, p.T, H, V);
        Tensor fin = Tensor.zeros(p.N, H, K, V);
        Tensor zs = p.normalize ? Tensor.zeros(p.N, H, K) : null;
        Parallel.forRange(p.N * H, item -> {
            int n = item / H, h = item % H;
            VectorOps ops = org.seqmix.kernels.VectorizationProvider.ops();
            float[] S = new float[K * V], z = p.normalize ? new float[K] : null;
            p.loadInitial(n, h, S, z);
            int bi = p.batch(n);
            for (int t = p.seqStart(n); t < p.seqEnd(n); t++) {
                int r = p.row(bi, t, h);
                boolean key = p.gate == GlaProblem.Gate.KEY;
                updateHead(ops, K, V, p.q, p.qo + r * K, p.k, p.ko + r * K, p.v, p.vo + r * V,
                        key ? 0f : p.scalarGate(bi, t, h), key ? p.g : null, p.go + r * K, p.scale, S, 0, z, 0,
                        o.data(), r * V);
            }
            System.arraycopy(S, 0, fin.data(), item * K * V, K * V);
            if (zs != null) System.arraycopy(z, 0, zs.data(), item * K, K);
        });
        return new GlaOutput(o, fin, zs);
    }

    /**
     * One token of one head, in place on {@code S [K, V]} at {@code so}: decay by {@code exp(gk[go+i])} per key
     * row when {@code gk != null}, else by {@code exp(gScalar)}; add k vᵀ; write o = Sᵀ(q·scale) at {@code oo}
     * (divided by (q·scale)·z + 1e-10 when {@code z != null}, z += k first). Allocates nothing.
     */
    static void updateHead(VectorOps ops, int K, int V, float[] q, int qo, float[] k, int ko, float[] v, int vo,
                           float gScalar, float[] gk, int go, float scale, float[] S, int so, float[] z, int zo,
                           float[] o, int oo) {
        float decay = gk == null ? (float) Math.exp(gScalar) : 1f;
        for (int i = 0; i < K; i++) {
            float d = gk == null ? decay : (float) Math.exp(gk[go + i]);
            if (d != 1f) ops.scale(d, S, so + i * V, V);
            ops.axpy(k[ko + i], v, vo, S, so + i * V, V);
        }
        java.util.Arrays.fill(o, oo, oo + V, 0f);
        float denom = 0f;
        for (int i = 0; i < K; i++) {
            float qi = q[qo + i] * scale;
            ops.axpy(qi, S, so + i * V, o, oo, V);
            if (z != null) {
                z[zo + i] += k[ko + i];
                denom += qi * z[zo + i];
            }
        }
        if (z != null) ops.scale(1f / (denom + 1e-10f), o, oo, V);
    }
}
