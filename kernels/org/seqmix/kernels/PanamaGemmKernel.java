package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD micro-kernel: 6 rows x 2 vectors (6 x 16 on AVX2). Twelve accumulators, two B loads and one A broadcast
 * per step fill 15 of the 16 ymm registers. Loaded by reflection only when jdk.incubator.vector is present.
 */
final class PanamaGemmKernel implements GemmMicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;

    @Override public int mr() { return 6; }
    @Override public int nr() { return NR; }
    @Override public String name() { return "panama 6x" + NR; }

    @Override
    public void compute(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++, ao += 6, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ao]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51);
        }
        store(c, co, c00, c01, alpha, beta);
        store(c, co + ldc, c10, c11, alpha, beta);
        store(c, co + 2 * ldc, c20, c21, alpha, beta);
        store(c, co + 3 * ldc, c30, c31, alpha, beta);
        store(c, co + 4 * ldc, c40, c41, alpha, beta);
        store(c, co + 5 * ldc, c50, c51, alpha, beta);
    }

    private static void store(float[] c, int o, FloatVector v0, FloatVector v1, float alpha, float beta) {
        if (beta == 0f) {
            v0.mul(alpha).intoArray(c, o);
            v1.mul(alpha).intoArray(c, o + L);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha);
            v0.fma(va, FloatVector.fromArray(S, c, o).mul(beta)).intoArray(c, o);
            v1.fma(va, FloatVector.fromArray(S, c, o + L).mul(beta)).intoArray(c, o + L);
        }
    }
}
