package org.seqmix.kernels.mamba;

/** Scalar floor of {@link SsdScanTokens}: the Panama kernel's FMAs in its order, one column at a time. */
final class ScalarSsdScanTokens implements SsdScanTokens {
    @Override
    public String name() { return "scalar"; }

    @Override
    public void tokens(float[] s, int n, int w, int nb, float[] b, int bo, int ldb, float[] q, int qo, int ldq, float[] x, int xo,
                       int ldx, float[] xScale, float[] yScale, float[] y, int yo) {
        for (int c = 0; c < w; c++) {
            for (int j = 0; j < nb; j++) y[yo + j * ldx + c] = 0f;
            for (int i = 0; i < n; i++) {
                float v = s[i * w + c];
                for (int j = 0; j < nb; j++) {
                    v = Math.fma(xScale[j] * x[xo + j * ldx + c], b[bo + j * ldb + i], v);
                    y[yo + j * ldx + c] = Math.fma(v, q[qo + j * ldq + i], y[yo + j * ldx + c]);
                }
                s[i * w + c] = v;
            }
            for (int j = 0; j < nb; j++) y[yo + j * ldx + c] *= yScale[j];
        }
    }
}
