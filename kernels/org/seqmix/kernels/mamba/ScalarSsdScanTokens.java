package org.seqmix.kernels.mamba;

/** Scalar floor of {@link SsdScanTokens}: the Panama kernel's FMAs in its order, one column at a time. */
final class ScalarSsdScanTokens implements SsdScanTokens {
    @Override
    public String name() { return "scalar"; }

    @Override
    public void tokens(float[] s, int n, int w, int nb, float[] bm, float[] cm, int bo, int ldb, float[] u, float[] yScale, float[] y, int yo, int ldy) {
        columns(s, n, w, 0, w, nb, bm, cm, bo, ldb, u, yScale, y, yo, ldy);
    }

    /** Columns c0 .. c1 (also the Panama kernel's tail). */
    static void columns(float[] s, int n, int w, int c0, int c1, int nb, float[] bm, float[] cm, int bo, int ldb, float[] u, float[] yScale,
                        float[] y, int yo, int ldy) {
        for (int c = c0; c < c1; c++) {
            for (int j = 0; j < nb; j++) y[yo + j * ldy + c] = 0f;
            for (int i = 0; i < n; i++) {
                float v = s[i * w + c];
                for (int j = 0; j < nb; j++) {
                    v = Math.fma(u[j * w + c], bm[bo + j * ldb + i], v);
                    y[yo + j * ldy + c] = Math.fma(v, cm[bo + j * ldb + i], y[yo + j * ldy + c]);
                }
                s[i * w + c] = v;
            }
            for (int j = 0; j < nb; j++) y[yo + j * ldy + c] *= yScale[j];
        }
    }
}
