package org.seqmix.kernels.deltarule;

/**
 * {@link DeltaStepKernel} in plain Java, one column at a time (a column's state is independent of the others):
 * the scalar floor and the twin {@code PanamaDeltaStepKernel} is tested against (same operations, same order).
 */
final class OpsDeltaStepKernel implements DeltaStepKernel {
    /** Panel width of the scalar floor (any width computes the same; 64 as the AVX-512 Panama kernel). */
    static final int PANEL = 64;

    private final int panel;
    private final boolean pairs;

    /** @param panel panel width (see {@link DeltaStepKernel}); @param pairs whether full panels run token pairs */
    OpsDeltaStepKernel(int panel, boolean pairs) {
        this.panel = panel;
        this.pairs = pairs;
    }

    @Override
    public int panel() {
        return panel;
    }

    @Override
    public boolean pairs() {
        return pairs;
    }

    @Override
    public void block(float[] s, int so, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk, float[] qs,
                      float[] wv, float[] fin, float[] o, int oOff, int oStride, boolean panels) {
        if (n == 1 && fin == null && DeltaStepKernel.decays(decayed, 0) && !panels) { // as the Panama twin
            single(s, so, kd, vd, dec, bk, kk, qs, wv, o, oOff);
            return;
        }
        if (!panels) {
            for (int j = 0; j < vd; j++) column(s, so + j, vd, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, false, null, j, o, oOff, oStride);
            return;
        }
        float[] beta = DeltaStepKernel.pairsRun(pairs, true, n) ? DeltaStepKernel.pairBetas(bk, kk, n, kd) : null;
        for (int j = 0; j < vd; j++) {
            int pw = DeltaStepKernel.panelWidth(vd, panel, j);
            column(s, so + DeltaStepKernel.panelOffset(kd, panel, j) + j % panel, pw, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin,
                    beta != null && pw == panel, beta, j, o, oOff, oStride);
        }
    }

    /**
     * Column j, its state rows at {@code s[base + i*stride]}: the first token's (decay +) projection, then per pass
     * the update and query of one token, or of two where {@code pairs} and {@link DeltaStepKernel#group} say so,
     * fused with the (decay +) projection onto the next pass's bk rows (the last pass applies fin instead).
     */
    static void column(float[] s, int base, int stride, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk,
                       float[] qs, float[] wv, float[] fin, boolean pairs, float[] beta, int j, float[] o, int oOff, int oStride) {
        int g = DeltaStepKernel.group(pairs, decayed, fin != null, 0, n);
        boolean d0 = DeltaStepKernel.decays(decayed, 0);
        float kv = 0f, kv2 = 0f;
        for (int i = 0; i < kd; i++) {
            int r = base + i * stride;
            float x = s[r];
            if (d0) {
                x *= dec[i];
                s[r] = x;
            }
            kv = Math.fma(bk[i], x, kv);
            if (g == 2) kv2 = Math.fma(bk[kd + i], x, kv2);
        }
        for (int t = 0; t < n; ) {
            int c = t * kd, nt = t + g, gn = nt < n ? DeltaStepKernel.group(pairs, decayed, fin != null, nt, n) : 0;
            float u = wv[t * vd + j] - kv, u2 = g == 2 ? wv[(t + 1) * vd + j] - Math.fma(beta[t], u, kv2) : 0f;
            float[] mul = nt == n ? fin : DeltaStepKernel.decays(decayed, nt) ? dec : null;
            int mo = nt == n ? 0 : nt * kd, b1 = nt * kd, b2 = b1 + kd;
            float a = 0f, a2 = 0f;
            kv = 0f;
            kv2 = 0f;
            for (int i = 0; i < kd; i++) {
                int r = base + i * stride;
                float x = Math.fma(kk[c + i], u, s[r]);
                a = Math.fma(qs[c + i], x, a);
                if (g == 2) {
                    x = Math.fma(kk[c + kd + i], u2, x);
                    a2 = Math.fma(qs[c + kd + i], x, a2);
                }
                if (mul != null) x *= mul[mo + i];
                s[r] = x;
                if (gn > 0) kv = Math.fma(bk[b1 + i], x, kv);
                if (gn == 2) kv2 = Math.fma(bk[b2 + i], x, kv2);
            }
            o[oOff + t * oStride + j] = a;
            if (g == 2) o[oOff + (t + 1) * oStride + j] = a2;
            t = nt;
            g = gn;
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
