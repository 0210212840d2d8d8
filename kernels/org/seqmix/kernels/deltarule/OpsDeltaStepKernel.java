package org.seqmix.kernels.deltarule;

/**
 * {@link DeltaStepKernel} in plain Java, one column at a time (a column's state is independent of the others):
 * the scalar floor and the twin {@code PanamaDeltaStepKernel} is tested against (same operations, same order).
 */
final class OpsDeltaStepKernel implements DeltaStepKernel {
    @Override
    public void block(float[] s, int so, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk, float[] qs,
                      float[] wv, float[] fin, float[] o, int oOff, int oStride, float[] tile) {
        if (n == 1 && fin == null && DeltaStepKernel.decays(decayed, 0)) { // as the Panama twin
            single(s, so, kd, vd, dec, bk, kk, qs, wv, o, oOff);
            return;
        }
        boolean d0 = DeltaStepKernel.decays(decayed, 0);
        for (int j = 0; j < vd; j++) {
            // (decay +) project of the first token, then per token: update + query fused with the next token's (decay +) project
            float kv = 0f;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                float x = s[r];
                if (d0) {
                    x *= dec[i];
                    s[r] = x;
                }
                kv = Math.fma(bk[i], x, kv);
            }
            for (int t = 0; t < n; t++) {
                float u = wv[t * vd + j] - kv, a = 0f;
                int c = t * kd;
                kv = 0f;
                if (t + 1 < n) {
                    boolean dn = DeltaStepKernel.decays(decayed, t + 1);
                    for (int i = 0; i < kd; i++) {
                        int r = so + i * vd + j;
                        float x = Math.fma(kk[c + i], u, s[r]);
                        a = Math.fma(qs[c + i], x, a);
                        if (dn) x *= dec[c + kd + i];
                        s[r] = x;
                        kv = Math.fma(bk[c + kd + i], x, kv);
                    }
                } else {
                    for (int i = 0; i < kd; i++) {
                        int r = so + i * vd + j;
                        float x = Math.fma(kk[c + i], u, s[r]);
                        a = Math.fma(qs[c + i], x, a);
                        s[r] = fin == null ? x : x * fin[i];
                    }
                }
                o[oOff + t * oStride + j] = a;
            }
        }
    }

    /** One token as {@code PanamaDeltaStepKernel.single}: kv = Σ (bk_i dec_i) S_i; last rows first, a = Σ (qs_i dec_i) S_i and S_i = dec_i S_i + k_i u; o = a + u (k·qs). */
    private static void single(float[] s, int so, int kd, int vd, float[] dec, float[] bk, float[] kk, float[] qs, float[] wv,
                               float[] o, int oo) {
        float kq = dot(kk, qs, kd);
        for (int j = 0; j < vd; j++) {
            float p = 0f, a = 0f;
            for (int i = 0; i < kd; i++) p = Math.fma(bk[i] * dec[i], s[so + i * vd + j], p);
            float u = wv[j] - p;
            for (int i = kd - 1; i >= 0; i--) {
                int r = so + i * vd + j;
                a = Math.fma(s[r], qs[i] * dec[i], a);
                s[r] = Math.fma(s[r], dec[i], u * kk[i]);
            }
            o[oo + j] = Math.fma(u, kq, a);
        }
    }

    /** k·qs in a fixed order (shared by both implementations, so they agree bit for bit). */
    static float dot(float[] a, float[] b, int n) {
        float d = 0f;
        for (int i = 0; i < n; i++) d = Math.fma(a[i], b[i], d);
        return d;
    }
}
