package org.seqmix.kernels.mamba;

/** Scalar floor of {@link SsdStepRows}: two rows per pass so B and C are read once for both. */
final class ScalarSsdStepRows implements SsdStepRows {
    @Override
    public String name() { return "scalar"; }

    @Override
    public void update(float[] s, int so, int rows, int n, float dA, float dt, float[] x, int xo, float[] b, int bo, float[] c, int co,
                       float[] y, int yo) {
        int p = 0;
        for (; p + 1 < rows; p += 2) {
            int r0 = so + p * n, r1 = r0 + n;
            float u0 = dt * x[xo + p], u1 = dt * x[xo + p + 1];
            float acc0 = 0f, acc1 = 0f;
            for (int k = 0; k < n; k++) {
                float bk = b[bo + k], ck = c[co + k];
                float v0 = dA * s[r0 + k] + u0 * bk;
                float v1 = dA * s[r1 + k] + u1 * bk;
                s[r0 + k] = v0;
                s[r1 + k] = v1;
                acc0 += v0 * ck;
                acc1 += v1 * ck;
            }
            y[yo + p] = acc0;
            y[yo + p + 1] = acc1;
        }
        for (; p < rows; p++) {
            int r0 = so + p * n;
            float u0 = dt * x[xo + p], acc0 = 0f;
            for (int k = 0; k < n; k++) {
                float v0 = dA * s[r0 + k] + u0 * b[bo + k];
                s[r0 + k] = v0;
                acc0 += v0 * c[co + k];
            }
            y[yo + p] = acc0;
        }
    }
}
