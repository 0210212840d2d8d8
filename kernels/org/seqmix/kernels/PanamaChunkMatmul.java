package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Panama {@link ChunkMatmul}. When a's rows are contiguous (aps = 1), whole strips of 4 vectors of columns run as
 * 6 x 4-vector tiles (24 accumulators; {@link #rows}) where there are 32 vector registers, strips of 2 vectors as
 * 6 x 2-vector tiles ({@link #rows2}) with AVX2's 16; the other columns, and a with any other stride, run as
 * tiles of 8 rows x 2 vectors or 8 x 1 vector (the 16-wide sub-blocks of GLA), b read in place row by row. What no
 * tile covers goes through the scalar loop. Every element is the same fma chain as {@link ScalarChunkMatmul}, so
 * results are bit-identical to it. Loaded by name only when jdk.incubator.vector is present.
 */
final class PanamaChunkMatmul implements ChunkMatmul {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L, MR = 8;
    /** 6 x 4-vector tiles (24 accumulators) need 32 vector registers; with 8-float vectors assume AVX2's 16. */
    private final boolean wideTiles;

    PanamaChunkMatmul() {
        this(L > 8);
    }

    /** {@code wideTiles}: 6 x 4-vector tiles for contiguous rows of a, else 6 x 2-vector ones (tests run both). */
    PanamaChunkMatmul(boolean wideTiles) {
        this.wideTiles = wideTiles;
    }

    @Override
    public String name() { return "panama 6x" + (wideTiles ? 4 * L : NR) + " / 8x" + NR; }

    @Override
    public void mul(int m, int n, int k, float alpha, float[] a, int ao, int ars, int aps, float[] b, int bo, int ldb,
                    float[] c, int co, int ldc, boolean accumulate) {
        if (aps == 1 && !wideTiles) rows2(m, n, k, alpha, a, ao, ars, b, bo, ldb, c, co, ldc, accumulate);
        else if (aps == 1) rows(m, n, k, alpha, a, ao, ars, b, bo, ldb, c, co, ldc, accumulate);
        else narrow(m, n, k, alpha, a, ao, ars, aps, b, bo, ldb, c, co, ldc, accumulate);
    }

    /** Any strides, and the columns left of whole 4-vector strips: 8 x 2-vector and 8 x 1-vector tiles, scalar rest. */
    private static void narrow(int m, int n, int k, float alpha, float[] a, int ao, int ars, int aps, float[] b, int bo, int ldb,
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

    /**
     * Unit-stride rows of a: whole 4-vector column strips as 6 x 4-vector tiles (24 accumulators, 4 b loads and 6
     * a broadcasts per 24 fmas) while at least 10 or exactly 6 rows remain, then 4 x 4, then 1 x 4-vector tiles,
     * each tile kind in its own small method: one body with all of them failed C1's register allocation, and a
     * method left at tier 2 while C2 was busy ran its vectors boxed for good (Mamba-2 chunk: 50x slower). The
     * other columns go through {@link #narrow}.
     */
    private static void rows(int m, int n, int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                             float[] c, int co, int ldc, boolean accumulate) {
        int n4 = n / (4 * L) * (4 * L);
        for (int j = 0; j < n4; j += 4 * L) {
            int i = 0;
            for (; m - i >= 10 || m - i == 6; i += 6) tile6x4(k, alpha, a, ao + i * ars, ars, b, bo + j, ldb, c, co + i * ldc + j, ldc, accumulate);
            for (; m - i >= 4; i += 4) tile4x4(k, alpha, a, ao + i * ars, ars, b, bo + j, ldb, c, co + i * ldc + j, ldc, accumulate);
            for (; i < m; i++) tile1x4(k, alpha, a, ao + i * ars, ars, b, bo + j, ldb, c, co + i * ldc + j, ldc, accumulate);
        }
        if (n4 < n) narrow(m, n - n4, k, alpha, a, ao, ars, 1, b, bo + n4, ldb, c, co + n4, ldc, accumulate);
    }

    /** One 6 x 4-vector tile of {@link #rows} (its own method). */
    private static void tile6x4(int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                             float[] c, int co, int ldc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector d00 = z, d01 = z, d02 = z, d03 = z, d10 = z, d11 = z, d12 = z, d13 = z, d20 = z, d21 = z, d22 = z, d23 = z, d30 = z, d31 = z, d32 = z, d33 = z, d40 = z, d41 = z, d42 = z, d43 = z, d50 = z, d51 = z, d52 = z, d53 = z;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[ao + 0 * ars + p]);
            d00 = a0.fma(b0, d00); d01 = a0.fma(b1, d01); d02 = a0.fma(b2, d02); d03 = a0.fma(b3, d03);
            FloatVector a1 = FloatVector.broadcast(S, a[ao + 1 * ars + p]);
            d10 = a1.fma(b0, d10); d11 = a1.fma(b1, d11); d12 = a1.fma(b2, d12); d13 = a1.fma(b3, d13);
            FloatVector a2 = FloatVector.broadcast(S, a[ao + 2 * ars + p]);
            d20 = a2.fma(b0, d20); d21 = a2.fma(b1, d21); d22 = a2.fma(b2, d22); d23 = a2.fma(b3, d23);
            FloatVector a3 = FloatVector.broadcast(S, a[ao + 3 * ars + p]);
            d30 = a3.fma(b0, d30); d31 = a3.fma(b1, d31); d32 = a3.fma(b2, d32); d33 = a3.fma(b3, d33);
            FloatVector a4 = FloatVector.broadcast(S, a[ao + 4 * ars + p]);
            d40 = a4.fma(b0, d40); d41 = a4.fma(b1, d41); d42 = a4.fma(b2, d42); d43 = a4.fma(b3, d43);
            FloatVector a5 = FloatVector.broadcast(S, a[ao + 5 * ars + p]);
            d50 = a5.fma(b0, d50); d51 = a5.fma(b1, d51); d52 = a5.fma(b2, d52); d53 = a5.fma(b3, d53);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        { int x = co + 0 * ldc + 0 * L; (accumulate ? d00.fma(va, FloatVector.fromArray(S, c, x)) : d00.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 1 * L; (accumulate ? d01.fma(va, FloatVector.fromArray(S, c, x)) : d01.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 2 * L; (accumulate ? d02.fma(va, FloatVector.fromArray(S, c, x)) : d02.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 3 * L; (accumulate ? d03.fma(va, FloatVector.fromArray(S, c, x)) : d03.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 0 * L; (accumulate ? d10.fma(va, FloatVector.fromArray(S, c, x)) : d10.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 1 * L; (accumulate ? d11.fma(va, FloatVector.fromArray(S, c, x)) : d11.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 2 * L; (accumulate ? d12.fma(va, FloatVector.fromArray(S, c, x)) : d12.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 3 * L; (accumulate ? d13.fma(va, FloatVector.fromArray(S, c, x)) : d13.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 0 * L; (accumulate ? d20.fma(va, FloatVector.fromArray(S, c, x)) : d20.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 1 * L; (accumulate ? d21.fma(va, FloatVector.fromArray(S, c, x)) : d21.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 2 * L; (accumulate ? d22.fma(va, FloatVector.fromArray(S, c, x)) : d22.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 3 * L; (accumulate ? d23.fma(va, FloatVector.fromArray(S, c, x)) : d23.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 0 * L; (accumulate ? d30.fma(va, FloatVector.fromArray(S, c, x)) : d30.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 1 * L; (accumulate ? d31.fma(va, FloatVector.fromArray(S, c, x)) : d31.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 2 * L; (accumulate ? d32.fma(va, FloatVector.fromArray(S, c, x)) : d32.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 3 * L; (accumulate ? d33.fma(va, FloatVector.fromArray(S, c, x)) : d33.mul(va)).intoArray(c, x); }
        { int x = co + 4 * ldc + 0 * L; (accumulate ? d40.fma(va, FloatVector.fromArray(S, c, x)) : d40.mul(va)).intoArray(c, x); }
        { int x = co + 4 * ldc + 1 * L; (accumulate ? d41.fma(va, FloatVector.fromArray(S, c, x)) : d41.mul(va)).intoArray(c, x); }
        { int x = co + 4 * ldc + 2 * L; (accumulate ? d42.fma(va, FloatVector.fromArray(S, c, x)) : d42.mul(va)).intoArray(c, x); }
        { int x = co + 4 * ldc + 3 * L; (accumulate ? d43.fma(va, FloatVector.fromArray(S, c, x)) : d43.mul(va)).intoArray(c, x); }
        { int x = co + 5 * ldc + 0 * L; (accumulate ? d50.fma(va, FloatVector.fromArray(S, c, x)) : d50.mul(va)).intoArray(c, x); }
        { int x = co + 5 * ldc + 1 * L; (accumulate ? d51.fma(va, FloatVector.fromArray(S, c, x)) : d51.mul(va)).intoArray(c, x); }
        { int x = co + 5 * ldc + 2 * L; (accumulate ? d52.fma(va, FloatVector.fromArray(S, c, x)) : d52.mul(va)).intoArray(c, x); }
        { int x = co + 5 * ldc + 3 * L; (accumulate ? d53.fma(va, FloatVector.fromArray(S, c, x)) : d53.mul(va)).intoArray(c, x); }
    }

    /** One 4 x 4-vector tile of {@link #rows} (its own method). */
    private static void tile4x4(int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                             float[] c, int co, int ldc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector d00 = z, d01 = z, d02 = z, d03 = z, d10 = z, d11 = z, d12 = z, d13 = z, d20 = z, d21 = z, d22 = z, d23 = z, d30 = z, d31 = z, d32 = z, d33 = z;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[ao + 0 * ars + p]);
            d00 = a0.fma(b0, d00); d01 = a0.fma(b1, d01); d02 = a0.fma(b2, d02); d03 = a0.fma(b3, d03);
            FloatVector a1 = FloatVector.broadcast(S, a[ao + 1 * ars + p]);
            d10 = a1.fma(b0, d10); d11 = a1.fma(b1, d11); d12 = a1.fma(b2, d12); d13 = a1.fma(b3, d13);
            FloatVector a2 = FloatVector.broadcast(S, a[ao + 2 * ars + p]);
            d20 = a2.fma(b0, d20); d21 = a2.fma(b1, d21); d22 = a2.fma(b2, d22); d23 = a2.fma(b3, d23);
            FloatVector a3 = FloatVector.broadcast(S, a[ao + 3 * ars + p]);
            d30 = a3.fma(b0, d30); d31 = a3.fma(b1, d31); d32 = a3.fma(b2, d32); d33 = a3.fma(b3, d33);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        { int x = co + 0 * ldc + 0 * L; (accumulate ? d00.fma(va, FloatVector.fromArray(S, c, x)) : d00.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 1 * L; (accumulate ? d01.fma(va, FloatVector.fromArray(S, c, x)) : d01.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 2 * L; (accumulate ? d02.fma(va, FloatVector.fromArray(S, c, x)) : d02.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 3 * L; (accumulate ? d03.fma(va, FloatVector.fromArray(S, c, x)) : d03.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 0 * L; (accumulate ? d10.fma(va, FloatVector.fromArray(S, c, x)) : d10.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 1 * L; (accumulate ? d11.fma(va, FloatVector.fromArray(S, c, x)) : d11.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 2 * L; (accumulate ? d12.fma(va, FloatVector.fromArray(S, c, x)) : d12.mul(va)).intoArray(c, x); }
        { int x = co + 1 * ldc + 3 * L; (accumulate ? d13.fma(va, FloatVector.fromArray(S, c, x)) : d13.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 0 * L; (accumulate ? d20.fma(va, FloatVector.fromArray(S, c, x)) : d20.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 1 * L; (accumulate ? d21.fma(va, FloatVector.fromArray(S, c, x)) : d21.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 2 * L; (accumulate ? d22.fma(va, FloatVector.fromArray(S, c, x)) : d22.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + 3 * L; (accumulate ? d23.fma(va, FloatVector.fromArray(S, c, x)) : d23.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 0 * L; (accumulate ? d30.fma(va, FloatVector.fromArray(S, c, x)) : d30.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 1 * L; (accumulate ? d31.fma(va, FloatVector.fromArray(S, c, x)) : d31.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 2 * L; (accumulate ? d32.fma(va, FloatVector.fromArray(S, c, x)) : d32.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + 3 * L; (accumulate ? d33.fma(va, FloatVector.fromArray(S, c, x)) : d33.mul(va)).intoArray(c, x); }
    }

    /** One 1 x 4-vector tile of {@link #rows} (its own method). */
    private static void tile1x4(int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                             float[] c, int co, int ldc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector d00 = z, d01 = z, d02 = z, d03 = z;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[ao + 0 * ars + p]);
            d00 = a0.fma(b0, d00); d01 = a0.fma(b1, d01); d02 = a0.fma(b2, d02); d03 = a0.fma(b3, d03);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        { int x = co + 0 * ldc + 0 * L; (accumulate ? d00.fma(va, FloatVector.fromArray(S, c, x)) : d00.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 1 * L; (accumulate ? d01.fma(va, FloatVector.fromArray(S, c, x)) : d01.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 2 * L; (accumulate ? d02.fma(va, FloatVector.fromArray(S, c, x)) : d02.mul(va)).intoArray(c, x); }
        { int x = co + 0 * ldc + 3 * L; (accumulate ? d03.fma(va, FloatVector.fromArray(S, c, x)) : d03.mul(va)).intoArray(c, x); }
    }

    /**
     * Unit-stride rows of a with 16 vector registers (AVX2): 6 x 2-vector tiles (12 accumulators, 2 b loads and 6 a
     * broadcasts per 12 fmas) while at least 10 or exactly 6 rows remain, then 4 x 2 (so 64 and 16 rows leave no
     * single rows: a 1 x 2 tile's two FMA chains run at a quarter of the FMA throughput), then 1 x 2; other columns through {@link #narrow}.
     * On Zen 3 the 6 x 4-vector tiles of {@link #rows} spill and ran 29-31 GFLOP/s at 64 x 128 x 128 (1 thread),
     * these 39-61 in the same minutes.
     */
    private static void rows2(int m, int n, int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                              float[] c, int co, int ldc, boolean accumulate) {
        int n2 = n / NR * NR;
        for (int j = 0; j < n2; j += NR) {
            int i = 0;
            for (; m - i >= 10 || m - i == 6; i += 6) tile6x2(k, alpha, a, ao + i * ars, ars, b, bo + j, ldb, c, co + i * ldc + j, ldc, accumulate);
            for (; m - i >= 4; i += 4) tile4x2(k, alpha, a, ao + i * ars, ars, b, bo + j, ldb, c, co + i * ldc + j, ldc, accumulate);
            for (; i < m; i++) tile1x2(k, alpha, a, ao + i * ars, b, bo + j, ldb, c, co + i * ldc + j, accumulate);
        }
        if (n2 < n) narrow(m, n - n2, k, alpha, a, ao, ars, 1, b, bo + n2, ldb, c, co + n2, ldc, accumulate);
    }

    private static void tile6x2(int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                                float[] c, int co, int ldc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector d00 = z, d01 = z, d10 = z, d11 = z, d20 = z, d21 = z, d30 = z, d31 = z, d40 = z, d41 = z, d50 = z, d51 = z;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            d00 = x.fma(b0, d00); d01 = x.fma(b1, d01);
            x = FloatVector.broadcast(S, a[ao + ars + p]);
            d10 = x.fma(b0, d10); d11 = x.fma(b1, d11);
            x = FloatVector.broadcast(S, a[ao + 2 * ars + p]);
            d20 = x.fma(b0, d20); d21 = x.fma(b1, d21);
            x = FloatVector.broadcast(S, a[ao + 3 * ars + p]);
            d30 = x.fma(b0, d30); d31 = x.fma(b1, d31);
            x = FloatVector.broadcast(S, a[ao + 4 * ars + p]);
            d40 = x.fma(b0, d40); d41 = x.fma(b1, d41);
            x = FloatVector.broadcast(S, a[ao + 5 * ars + p]);
            d50 = x.fma(b0, d50); d51 = x.fma(b1, d51);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        { int x = co; (accumulate ? d00.fma(va, FloatVector.fromArray(S, c, x)) : d00.mul(va)).intoArray(c, x); }
        { int x = co + L; (accumulate ? d01.fma(va, FloatVector.fromArray(S, c, x)) : d01.mul(va)).intoArray(c, x); }
        { int x = co + ldc; (accumulate ? d10.fma(va, FloatVector.fromArray(S, c, x)) : d10.mul(va)).intoArray(c, x); }
        { int x = co + ldc + L; (accumulate ? d11.fma(va, FloatVector.fromArray(S, c, x)) : d11.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc; (accumulate ? d20.fma(va, FloatVector.fromArray(S, c, x)) : d20.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + L; (accumulate ? d21.fma(va, FloatVector.fromArray(S, c, x)) : d21.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc; (accumulate ? d30.fma(va, FloatVector.fromArray(S, c, x)) : d30.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + L; (accumulate ? d31.fma(va, FloatVector.fromArray(S, c, x)) : d31.mul(va)).intoArray(c, x); }
        { int x = co + 4 * ldc; (accumulate ? d40.fma(va, FloatVector.fromArray(S, c, x)) : d40.mul(va)).intoArray(c, x); }
        { int x = co + 4 * ldc + L; (accumulate ? d41.fma(va, FloatVector.fromArray(S, c, x)) : d41.mul(va)).intoArray(c, x); }
        { int x = co + 5 * ldc; (accumulate ? d50.fma(va, FloatVector.fromArray(S, c, x)) : d50.mul(va)).intoArray(c, x); }
        { int x = co + 5 * ldc + L; (accumulate ? d51.fma(va, FloatVector.fromArray(S, c, x)) : d51.mul(va)).intoArray(c, x); }
    }

    private static void tile4x2(int k, float alpha, float[] a, int ao, int ars, float[] b, int bo, int ldb,
                                float[] c, int co, int ldc, boolean accumulate) {
        FloatVector z = FloatVector.zero(S);
        FloatVector d00 = z, d01 = z, d10 = z, d11 = z, d20 = z, d21 = z, d30 = z, d31 = z;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            d00 = x.fma(b0, d00); d01 = x.fma(b1, d01);
            x = FloatVector.broadcast(S, a[ao + ars + p]);
            d10 = x.fma(b0, d10); d11 = x.fma(b1, d11);
            x = FloatVector.broadcast(S, a[ao + 2 * ars + p]);
            d20 = x.fma(b0, d20); d21 = x.fma(b1, d21);
            x = FloatVector.broadcast(S, a[ao + 3 * ars + p]);
            d30 = x.fma(b0, d30); d31 = x.fma(b1, d31);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        { int x = co; (accumulate ? d00.fma(va, FloatVector.fromArray(S, c, x)) : d00.mul(va)).intoArray(c, x); }
        { int x = co + L; (accumulate ? d01.fma(va, FloatVector.fromArray(S, c, x)) : d01.mul(va)).intoArray(c, x); }
        { int x = co + ldc; (accumulate ? d10.fma(va, FloatVector.fromArray(S, c, x)) : d10.mul(va)).intoArray(c, x); }
        { int x = co + ldc + L; (accumulate ? d11.fma(va, FloatVector.fromArray(S, c, x)) : d11.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc; (accumulate ? d20.fma(va, FloatVector.fromArray(S, c, x)) : d20.mul(va)).intoArray(c, x); }
        { int x = co + 2 * ldc + L; (accumulate ? d21.fma(va, FloatVector.fromArray(S, c, x)) : d21.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc; (accumulate ? d30.fma(va, FloatVector.fromArray(S, c, x)) : d30.mul(va)).intoArray(c, x); }
        { int x = co + 3 * ldc + L; (accumulate ? d31.fma(va, FloatVector.fromArray(S, c, x)) : d31.mul(va)).intoArray(c, x); }
    }

    private static void tile1x2(int k, float alpha, float[] a, int ao, float[] b, int bo, int ldb,
                                float[] c, int co, boolean accumulate) {
        FloatVector d0 = FloatVector.zero(S), d1 = d0;
        for (int p = 0, bp = bo; p < k; p++, bp += ldb) {
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            d0 = x.fma(FloatVector.fromArray(S, b, bp), d0);
            d1 = x.fma(FloatVector.fromArray(S, b, bp + L), d1);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        (accumulate ? d0.fma(va, FloatVector.fromArray(S, c, co)) : d0.mul(va)).intoArray(c, co);
        (accumulate ? d1.fma(va, FloatVector.fromArray(S, c, co + L)) : d1.mul(va)).intoArray(c, co + L);
    }
}
