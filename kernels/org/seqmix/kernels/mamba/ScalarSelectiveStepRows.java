package org.seqmix.kernels.mamba;

/** {@link SelectiveStepRows} in plain Java: row by row, one FMA chain per read-out. */
final class ScalarSelectiveStepRows implements SelectiveStepRows {
    @Override
    public String name() { return "scalar"; }

    @Override
    public void rows(float[] s, int so, int w, int n, float[] dA, float[] du, float[] b, int bo, float[] c, int co, float[] y, int yo) {
        for (int ch = 0; ch < w; ch++) {
            int r = so + ch * n;
            float acc = 0f;
            for (int k = 0; k < n; k++) {
                float h = Math.fma(du[ch], b[bo + k], dA[ch * n + k] * s[r + k]);
                s[r + k] = h;
                acc = Math.fma(h, c[co + k], acc);
            }
            y[yo + ch] = acc;
        }
    }
}
