package org.seqmix.kernels.linear;

import org.seqmix.core.Tensor;

/** Double-precision token-by-token reference of the family, written straight from CONFORMANCE.md's recurrences. */
final class NaiveGla {
    private NaiveGla() {}

    /**
     * g: null (no gate), [B,T,H] or [B,T,H,K]; gamma: per-head constant (or null). Returns {o, finalState}.
     * normalize divides by (q·scale)·z + 1e-10 with z the running key sum.
     */
    static Tensor[] run(Tensor q, Tensor k, Tensor v, Tensor g, float[] gamma, float scale, Tensor h0, boolean normalize) {
        int B = q.dim(0), T = q.dim(1), H = q.dim(2), K = q.dim(3), V = v.dim(3);
        Tensor o = Tensor.zeros(B, T, H, V), fin = Tensor.zeros(B, H, K, V);
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < H; h++) {
                double[][] S = new double[K][V];
                double[] z = new double[K];
                if (h0 != null) for (int i = 0; i < K; i++) for (int j = 0; j < V; j++) S[i][j] = h0.get(b, h, i, j);
                for (int t = 0; t < T; t++) {
                    for (int i = 0; i < K; i++) {
                        double gi = g == null ? (gamma == null ? 0 : gamma[h]) : g.rank() == 3 ? g.get(b, t, h) : g.get(b, t, h, i);
                        double d = Math.exp(gi);
                        z[i] += k.get(b, t, h, i);
                        for (int j = 0; j < V; j++) S[i][j] = d * S[i][j] + k.get(b, t, h, i) * v.get(b, t, h, j);
                    }
                    double den = 0;
                    for (int i = 0; i < K; i++) den += q.get(b, t, h, i) * scale * z[i];
                    for (int j = 0; j < V; j++) {
                        double s = 0;
                        for (int i = 0; i < K; i++) s += q.get(b, t, h, i) * scale * S[i][j];
                        o.set((float) (normalize ? s / (den + 1e-10) : s), b, t, h, j);
                    }
                }
                for (int i = 0; i < K; i++) for (int j = 0; j < V; j++) fin.set((float) S[i][j], b, h, i, j);
            }
        }
        return new Tensor[] {o, fin};
    }
}
