package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Panama {@link ChunkMatmul}: for a with contiguous rows, tiles of 8 rows x 2 vectors (8 x 32 on AVX-512: 16 accumulators, two b loads and
 * eight a broadcasts per step, within the 32 zmm registers), b read in place row by row, a broadcast from wherever
 * its strides put it. Rows or columns that do not fill a tile go through the scalar loop (same order, so results
 * are bit-identical to {@link ScalarChunkMatmul}); a column remainder of whole vectors runs as 8 x L tiles. Loaded by name only when jdk.incubator.vector is present.
 */
final class PanamaChunkMatmul implements ChunkMatmul {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L, MR = 8;

    @Override
    public String name() { return "panama 8x" + NR; }

    @Override
    public void mul(int m, int n, int k, float alpha, float[] a, int ao, int ars, int aps, float[] b, int bo, int ldb,
                    float[] c, int co, int ldc, boolean accumulate) {
        // tiles need a's rows contiguous (aps = 1: each of the 8 row streams then has a unit stride and C2 hoists
        // its bounds check out of the loop); other layouts take the scalar loop
        int mFull = aps == 1 ? m / MR * MR : 0, nFull = aps == 1 ? n / NR * NR : 0;
        for (int j = 0; j < nFull; j += NR) {
            for (int i = 0; i < mFull; i += MR) tile(k, alpha, a, ao + i * ars, ars, b, bo + j, ldb, c, co + i * ldc + j, ldc, accumulate);
        }
        int n1 = aps == 1 ? n / L * L : 0;   // one more 8 x L column strip (the 16-wide sub-blocks of GLA)
        for (int j = nFull; j < n1; j += L) {
            for (int i = 0; i < mFull; i += MR) tile1(k, alpha, a, ao + i * ars, ars, b, bo + j, ldb, c, co + i * ldc + j, ldc, accumulate);
        }
        ScalarChunkMatmul.block(0, mFull, Math.max(nFull, n1), n, k, alpha, a, ao, ars, aps, b, bo, ldb, c, co, ldc, accumulate);
        ScalarChunkMatmul.block(mFull, m, 0, n, k, alpha, a, ao, ars, aps, b, bo, ldb, c, co, ldc, accumulate);
    }

    /** One 8 x L tile (written out like {@link #tile}). */
    private static void tile1(int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                              float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int a0 = ao, a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars, a4 = a3 + ars, a5 = a4 + ars, a6 = a5 + ars, a7 = a6 + ars;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            c0 = b0.fma(FloatVector.broadcast(S, a[a0 + p]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[a1 + p]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[a2 + p]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[a3 + p]), c3);
            c4 = b0.fma(FloatVector.broadcast(S, a[a4 + p]), c4);
            c5 = b0.fma(FloatVector.broadcast(S, a[a5 + p]), c5);
            c6 = b0.fma(FloatVector.broadcast(S, a[a6 + p]), c6);
            c7 = b0.fma(FloatVector.broadcast(S, a[a7 + p]), c7);
        }
        int o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc, o7 = o6 + ldc;
        if (!accumulate) {
            c0.mul(alpha).intoArray(c, co); c1.mul(alpha).intoArray(c, o1); c2.mul(alpha).intoArray(c, o2); c3.mul(alpha).intoArray(c, o3);
            c4.mul(alpha).intoArray(c, o4); c5.mul(alpha).intoArray(c, o5); c6.mul(alpha).intoArray(c, o6); c7.mul(alpha).intoArray(c, o7);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha);
            c0.fma(va, FloatVector.fromArray(S, c, co)).intoArray(c, co);
            c1.fma(va, FloatVector.fromArray(S, c, o1)).intoArray(c, o1);
            c2.fma(va, FloatVector.fromArray(S, c, o2)).intoArray(c, o2);
            c3.fma(va, FloatVector.fromArray(S, c, o3)).intoArray(c, o3);
            c4.fma(va, FloatVector.fromArray(S, c, o4)).intoArray(c, o4);
            c5.fma(va, FloatVector.fromArray(S, c, o5)).intoArray(c, o5);
            c6.fma(va, FloatVector.fromArray(S, c, o6)).intoArray(c, o6);
            c7.fma(va, FloatVector.fromArray(S, c, o7)).intoArray(c, o7);
        }
    }

    /** One 8 x NR tile; the whole loop in one method body so C2 keeps every accumulator in a register. */
    private static void tile(int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                             float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        int a0 = ao, a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars, a4 = a3 + ars, a5 = a4 + ars, a6 = a5 + ars, a7 = a6 + ars;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
        }
        // stores written out (no helper taking vectors) so C2 never boxes an accumulator
        int o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc, o7 = o6 + ldc;
        if (!accumulate) {
            c00.mul(alpha).intoArray(c, co); c01.mul(alpha).intoArray(c, co + L);
            c10.mul(alpha).intoArray(c, o1); c11.mul(alpha).intoArray(c, o1 + L);
            c20.mul(alpha).intoArray(c, o2); c21.mul(alpha).intoArray(c, o2 + L);
            c30.mul(alpha).intoArray(c, o3); c31.mul(alpha).intoArray(c, o3 + L);
            c40.mul(alpha).intoArray(c, o4); c41.mul(alpha).intoArray(c, o4 + L);
            c50.mul(alpha).intoArray(c, o5); c51.mul(alpha).intoArray(c, o5 + L);
            c60.mul(alpha).intoArray(c, o6); c61.mul(alpha).intoArray(c, o6 + L);
            c70.mul(alpha).intoArray(c, o7); c71.mul(alpha).intoArray(c, o7 + L);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.fma(va, FloatVector.fromArray(S, c, co)).intoArray(c, co);
            c01.fma(va, FloatVector.fromArray(S, c, co + L)).intoArray(c, co + L);
            c10.fma(va, FloatVector.fromArray(S, c, o1)).intoArray(c, o1);
            c11.fma(va, FloatVector.fromArray(S, c, o1 + L)).intoArray(c, o1 + L);
            c20.fma(va, FloatVector.fromArray(S, c, o2)).intoArray(c, o2);
            c21.fma(va, FloatVector.fromArray(S, c, o2 + L)).intoArray(c, o2 + L);
            c30.fma(va, FloatVector.fromArray(S, c, o3)).intoArray(c, o3);
            c31.fma(va, FloatVector.fromArray(S, c, o3 + L)).intoArray(c, o3 + L);
            c40.fma(va, FloatVector.fromArray(S, c, o4)).intoArray(c, o4);
            c41.fma(va, FloatVector.fromArray(S, c, o4 + L)).intoArray(c, o4 + L);
            c50.fma(va, FloatVector.fromArray(S, c, o5)).intoArray(c, o5);
            c51.fma(va, FloatVector.fromArray(S, c, o5 + L)).intoArray(c, o5 + L);
            c60.fma(va, FloatVector.fromArray(S, c, o6)).intoArray(c, o6);
            c61.fma(va, FloatVector.fromArray(S, c, o6 + L)).intoArray(c, o6 + L);
            c70.fma(va, FloatVector.fromArray(S, c, o7)).intoArray(c, o7);
            c71.fma(va, FloatVector.fromArray(S, c, o7 + L)).intoArray(c, o7 + L);
        }
    }
}
