package org.seqmix.kernels.linear;

import org.seqmix.kernels.VectorizationProvider;

/** Scalar floor of {@link FusedRecurrent}: row by row, the read-out accumulated in {@code o}. */
final class ScalarFusedRecurrent implements FusedRecurrent {
    @Override
    public String name() { return "scalar"; }

    @Override
    public void token(float[] s, int so, int rows, int cols, float decay, float[] logDecay, int ldo, float[] work,
                      float[] k, int ko, float[] v, int vo, float vScale, float[] q, int qo, float qScale, float[] o, int oo) {
        java.util.Arrays.fill(o, oo, oo + cols, 0f);
        if (logDecay != null) VectorizationProvider.ops().exp(logDecay, ldo, work, 0, rows);
        for (int i = 0; i < rows; i++) {
            float d = logDecay == null ? decay : work[i];
            float ki = k[ko + i], qi = q[qo + i] * qScale;
            int r = so + i * cols;
            for (int j = 0; j < cols; j++) {
                float x = Math.fma(s[r + j], d, ki * (vScale * v[vo + j]));
                s[r + j] = x;
                o[oo + j] = Math.fma(qi, x, o[oo + j]);
            }
        }
    }
}
