package org.seqmix.kernels.mamba;

/** Scalar floor of {@link ScanChannels}. */
final class ScalarScanChannels implements ScanChannels {
    @Override
    public String name() { return "scalar"; }

    @Override
    public void token(float[] s, int w, int n, float[] dA, float[] du, float[] b, int bo, float[] c, int co, float[] y) {
        java.util.Arrays.fill(y, 0, w, 0f);
        for (int k = 0; k < n; k++) {
            float bk = b[bo + k], ck = c[co + k];
            int r = k * w;
            for (int j = 0; j < w; j++) {
                float v = Math.fma(dA[r + j], s[r + j], du[j] * bk);
                s[r + j] = v;
                y[j] = Math.fma(v, ck, y[j]);
            }
        }
    }
}
