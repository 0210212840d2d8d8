package org.seqmix.kernels;

/** The scalar floor micro-kernel: a 4 x 4 tile in 16 locals, so the JIT keeps the accumulators in registers. */
final class ScalarGemmKernel implements GemmMicroKernel {
    @Override public int mr() { return 4; }
    @Override public int nr() { return 4; }
    @Override public String name() { return "scalar 4x4"; }

    @Override
    public void compute(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++, ao += 4, bo += 4) {
            float b0 = bp[bo], b1 = bp[bo + 1], b2 = bp[bo + 2], b3 = bp[bo + 3];
            float a0 = ap[ao], a1 = ap[ao + 1], a2 = ap[ao + 2], a3 = ap[ao + 3];
            c00 = Math.fma(a0, b0, c00); c01 = Math.fma(a0, b1, c01); c02 = Math.fma(a0, b2, c02); c03 = Math.fma(a0, b3, c03);
            c10 = Math.fma(a1, b0, c10); c11 = Math.fma(a1, b1, c11); c12 = Math.fma(a1, b2, c12); c13 = Math.fma(a1, b3, c13);
            c20 = Math.fma(a2, b0, c20); c21 = Math.fma(a2, b1, c21); c22 = Math.fma(a2, b2, c22); c23 = Math.fma(a2, b3, c23);
            c30 = Math.fma(a3, b0, c30); c31 = Math.fma(a3, b1, c31); c32 = Math.fma(a3, b2, c32); c33 = Math.fma(a3, b3, c33);
        }
        store(c, co, c00, c01, c02, c03, alpha, beta);
        store(c, co + ldc, c10, c11, c12, c13, alpha, beta);
        store(c, co + 2 * ldc, c20, c21, c22, c23, alpha, beta);
        store(c, co + 3 * ldc, c30, c31, c32, c33, alpha, beta);
    }

    private static void store(float[] c, int o, float v0, float v1, float v2, float v3, float alpha, float beta) {
        if (beta == 0f) {
            c[o] = alpha * v0; c[o + 1] = alpha * v1; c[o + 2] = alpha * v2; c[o + 3] = alpha * v3;
        } else {
            c[o] = Math.fma(v0, alpha, beta * c[o]);
            c[o + 1] = Math.fma(v1, alpha, beta * c[o + 1]);
            c[o + 2] = Math.fma(v2, alpha, beta * c[o + 2]);
            c[o + 3] = Math.fma(v3, alpha, beta * c[o + 3]);
        }
    }
}
