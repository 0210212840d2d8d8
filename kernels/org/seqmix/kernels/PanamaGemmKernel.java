package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD micro-kernel: 4 rows x 2 vectors (4 x 16 on AVX2), A read one value at a time and broadcast
 * ({@code vbroadcastss} from memory), B as two vector loads per step: eight accumulators, two B vectors and four
 * broadcasts, 14 of the 16 ymm registers. Wider tiles spill here: C2 hoists every broadcast of a step ahead of the
 * FMAs, so 6 x 2 (and 5 x 2) keep an accumulator on the stack (see docs/architecture.md). Loaded by reflection
 * only when jdk.incubator.vector is present.
 */
final class PanamaGemmKernel implements GemmMicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;

    @Override public int mr() { return 4; }
    @Override public int nr() { return NR; }
    @Override public String name() { return "panama 4x" + NR; }

    @Override
    public void compute(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++, ao += 4, bo += NR) {
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
        }
        // stores written out: a helper taking the eight vectors is not always inlined, and then each is boxed
        int o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
        if (beta == 0f) {
            c00.mul(alpha).intoArray(c, co); c01.mul(alpha).intoArray(c, co + L);
            c10.mul(alpha).intoArray(c, o1); c11.mul(alpha).intoArray(c, o1 + L);
            c20.mul(alpha).intoArray(c, o2); c21.mul(alpha).intoArray(c, o2 + L);
            c30.mul(alpha).intoArray(c, o3); c31.mul(alpha).intoArray(c, o3 + L);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.fma(va, FloatVector.fromArray(S, c, co).mul(beta)).intoArray(c, co);
            c01.fma(va, FloatVector.fromArray(S, c, co + L).mul(beta)).intoArray(c, co + L);
            c10.fma(va, FloatVector.fromArray(S, c, o1).mul(beta)).intoArray(c, o1);
            c11.fma(va, FloatVector.fromArray(S, c, o1 + L).mul(beta)).intoArray(c, o1 + L);
            c20.fma(va, FloatVector.fromArray(S, c, o2).mul(beta)).intoArray(c, o2);
            c21.fma(va, FloatVector.fromArray(S, c, o2 + L).mul(beta)).intoArray(c, o2 + L);
            c30.fma(va, FloatVector.fromArray(S, c, o3).mul(beta)).intoArray(c, o3);
            c31.fma(va, FloatVector.fromArray(S, c, o3 + L).mul(beta)).intoArray(c, o3 + L);
        }
    }
}
