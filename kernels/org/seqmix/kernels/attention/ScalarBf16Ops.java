package org.seqmix.kernels.attention;

/** The scalar floor of {@link Bf16Ops}. */
final class ScalarBf16Ops implements Bf16Ops {
    @Override
    public float dot(float[] q, int qo, short[] k, int ko, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += q[qo + i] * Bf16Ops.toFloat(k[ko + i]);
        return s;
    }

    @Override
    public void axpy(float alpha, short[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += alpha * Bf16Ops.toFloat(x[xo + i]);
    }
}
