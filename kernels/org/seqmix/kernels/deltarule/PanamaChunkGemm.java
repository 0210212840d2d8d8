package org.seqmix.kernels.deltarule;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled {@link ChunkGemm}: 6 rows x 4 vectors of C in 24 accumulators while the rows of B stream by
 * (4 loads and 6 broadcasts of A per 24 fmas), then 4 x 4-vector and 4 x 1-vector tiles, single rows, and
 * scalar tail columns (V or K not a multiple of the vector length). No packing: B rows are read in place, A elements broadcast in
 * place. Loaded by name only when jdk.incubator.vector is present.
 */
final class PanamaChunkGemm implements ChunkGemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    @Override
    public void nn(int m, int n, int k, boolean negate, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                   boolean accumulate, float[] c, int cOff, int ldc) {
        int nv = n - n % L;
        int i = 0;
        // 6 x 4-vector tiles (24 accumulators) while at least 10 or exactly 6 rows remain, so 4-row tiles take the rest
        for (; m - i >= 10 || m - i == 6; i += 6) {
            int j = 0;
            for (; j + 4 * L <= nv; j += 4 * L) {
                FloatVector z = FloatVector.zero(F);
                FloatVector d00 = z, d01 = z, d02 = z, d03 = z, d10 = z, d11 = z, d12 = z, d13 = z, d20 = z, d21 = z, d22 = z, d23 = z, d30 = z, d31 = z, d32 = z, d33 = z, d40 = z, d41 = z, d42 = z, d43 = z, d50 = z, d51 = z, d52 = z, d53 = z;
                for (int p = 0, ar = aOff + i * lda, bp = bOff + j; p < k; p++, bp += ldb) {
                    FloatVector b0 = FloatVector.fromArray(F, b, bp + 0 * L);
                    FloatVector b1 = FloatVector.fromArray(F, b, bp + 1 * L);
                    FloatVector b2 = FloatVector.fromArray(F, b, bp + 2 * L);
                    FloatVector b3 = FloatVector.fromArray(F, b, bp + 3 * L);
                    FloatVector a0 = FloatVector.broadcast(F, a[ar + 0 * lda + p]);
                    d00 = a0.fma(b0, d00);
                    d01 = a0.fma(b1, d01);
                    d02 = a0.fma(b2, d02);
                    d03 = a0.fma(b3, d03);
                    FloatVector a1 = FloatVector.broadcast(F, a[ar + 1 * lda + p]);
                    d10 = a1.fma(b0, d10);
                    d11 = a1.fma(b1, d11);
                    d12 = a1.fma(b2, d12);
                    d13 = a1.fma(b3, d13);
                    FloatVector a2 = FloatVector.broadcast(F, a[ar + 2 * lda + p]);
                    d20 = a2.fma(b0, d20);
                    d21 = a2.fma(b1, d21);
                    d22 = a2.fma(b2, d22);
                    d23 = a2.fma(b3, d23);
                    FloatVector a3 = FloatVector.broadcast(F, a[ar + 3 * lda + p]);
                    d30 = a3.fma(b0, d30);
                    d31 = a3.fma(b1, d31);
                    d32 = a3.fma(b2, d32);
                    d33 = a3.fma(b3, d33);
                    FloatVector a4 = FloatVector.broadcast(F, a[ar + 4 * lda + p]);
                    d40 = a4.fma(b0, d40);
                    d41 = a4.fma(b1, d41);
                    d42 = a4.fma(b2, d42);
                    d43 = a4.fma(b3, d43);
                    FloatVector a5 = FloatVector.broadcast(F, a[ar + 5 * lda + p]);
                    d50 = a5.fma(b0, d50);
                    d51 = a5.fma(b1, d51);
                    d52 = a5.fma(b2, d52);
                    d53 = a5.fma(b3, d53);
                }
                { FloatVector t = negate ? d00.neg() : d00; int x = cOff + (i + 0) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d01.neg() : d01; int x = cOff + (i + 0) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d02.neg() : d02; int x = cOff + (i + 0) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d03.neg() : d03; int x = cOff + (i + 0) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d10.neg() : d10; int x = cOff + (i + 1) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d11.neg() : d11; int x = cOff + (i + 1) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d12.neg() : d12; int x = cOff + (i + 1) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d13.neg() : d13; int x = cOff + (i + 1) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d20.neg() : d20; int x = cOff + (i + 2) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d21.neg() : d21; int x = cOff + (i + 2) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d22.neg() : d22; int x = cOff + (i + 2) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d23.neg() : d23; int x = cOff + (i + 2) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d30.neg() : d30; int x = cOff + (i + 3) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d31.neg() : d31; int x = cOff + (i + 3) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d32.neg() : d32; int x = cOff + (i + 3) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d33.neg() : d33; int x = cOff + (i + 3) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d40.neg() : d40; int x = cOff + (i + 4) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d41.neg() : d41; int x = cOff + (i + 4) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d42.neg() : d42; int x = cOff + (i + 4) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d43.neg() : d43; int x = cOff + (i + 4) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d50.neg() : d50; int x = cOff + (i + 5) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d51.neg() : d51; int x = cOff + (i + 5) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d52.neg() : d52; int x = cOff + (i + 5) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? d53.neg() : d53; int x = cOff + (i + 5) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
            }
            for (; j < nv; j += L) {
                for (int r = i; r < i + 6; r++) {
                    FloatVector c0 = FloatVector.zero(F);
                    for (int p = 0, ar = aOff + r * lda, bp = bOff + j; p < k; p++, bp += ldb) {
                        c0 = FloatVector.broadcast(F, a[ar + p]).fma(FloatVector.fromArray(F, b, bp), c0);
                    }
                    { FloatVector t = negate ? c0.neg() : c0; int x = cOff + r * ldc + j; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                }
            }
        }
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 4 * L <= nv; j += 4 * L) {
                FloatVector z = FloatVector.zero(F);
                FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z, c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
                for (int p = 0, ar = aOff + i * lda, bp = bOff + j; p < k; p++, bp += ldb) {
                    FloatVector b0 = FloatVector.fromArray(F, b, bp + 0 * L);
                    FloatVector b1 = FloatVector.fromArray(F, b, bp + 1 * L);
                    FloatVector b2 = FloatVector.fromArray(F, b, bp + 2 * L);
                    FloatVector b3 = FloatVector.fromArray(F, b, bp + 3 * L);
                    FloatVector a0 = FloatVector.broadcast(F, a[ar + 0 * lda + p]);
                    c00 = a0.fma(b0, c00);
                    c01 = a0.fma(b1, c01);
                    c02 = a0.fma(b2, c02);
                    c03 = a0.fma(b3, c03);
                    FloatVector a1 = FloatVector.broadcast(F, a[ar + 1 * lda + p]);
                    c10 = a1.fma(b0, c10);
                    c11 = a1.fma(b1, c11);
                    c12 = a1.fma(b2, c12);
                    c13 = a1.fma(b3, c13);
                    FloatVector a2 = FloatVector.broadcast(F, a[ar + 2 * lda + p]);
                    c20 = a2.fma(b0, c20);
                    c21 = a2.fma(b1, c21);
                    c22 = a2.fma(b2, c22);
                    c23 = a2.fma(b3, c23);
                    FloatVector a3 = FloatVector.broadcast(F, a[ar + 3 * lda + p]);
                    c30 = a3.fma(b0, c30);
                    c31 = a3.fma(b1, c31);
                    c32 = a3.fma(b2, c32);
                    c33 = a3.fma(b3, c33);
                }
                { FloatVector t = negate ? c00.neg() : c00; int x = cOff + (i + 0) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c01.neg() : c01; int x = cOff + (i + 0) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c02.neg() : c02; int x = cOff + (i + 0) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c03.neg() : c03; int x = cOff + (i + 0) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c10.neg() : c10; int x = cOff + (i + 1) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c11.neg() : c11; int x = cOff + (i + 1) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c12.neg() : c12; int x = cOff + (i + 1) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c13.neg() : c13; int x = cOff + (i + 1) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c20.neg() : c20; int x = cOff + (i + 2) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c21.neg() : c21; int x = cOff + (i + 2) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c22.neg() : c22; int x = cOff + (i + 2) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c23.neg() : c23; int x = cOff + (i + 2) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c30.neg() : c30; int x = cOff + (i + 3) * ldc + j + 0 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c31.neg() : c31; int x = cOff + (i + 3) * ldc + j + 1 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c32.neg() : c32; int x = cOff + (i + 3) * ldc + j + 2 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c33.neg() : c33; int x = cOff + (i + 3) * ldc + j + 3 * L; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
            }
            for (; j < nv; j += L) {
                FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
                for (int p = 0, ar = aOff + i * lda, bp = bOff + j; p < k; p++, bp += ldb) {
                    FloatVector b0 = FloatVector.fromArray(F, b, bp);
                    c0 = FloatVector.broadcast(F, a[ar + 0 * lda + p]).fma(b0, c0);
                    c1 = FloatVector.broadcast(F, a[ar + 1 * lda + p]).fma(b0, c1);
                    c2 = FloatVector.broadcast(F, a[ar + 2 * lda + p]).fma(b0, c2);
                    c3 = FloatVector.broadcast(F, a[ar + 3 * lda + p]).fma(b0, c3);
                }
                { FloatVector t = negate ? c0.neg() : c0; int x = cOff + (i + 0) * ldc + j; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c1.neg() : c1; int x = cOff + (i + 1) * ldc + j; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c2.neg() : c2; int x = cOff + (i + 2) * ldc + j; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
                { FloatVector t = negate ? c3.neg() : c3; int x = cOff + (i + 3) * ldc + j; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < nv; j += L) {
                FloatVector c0 = FloatVector.zero(F);
                for (int p = 0, ar = aOff + i * lda, bp = bOff + j; p < k; p++, bp += ldb) {
                    c0 = FloatVector.broadcast(F, a[ar + p]).fma(FloatVector.fromArray(F, b, bp), c0);
                }
                { FloatVector t = negate ? c0.neg() : c0; int x = cOff + i * ldc + j; if (accumulate) t = FloatVector.fromArray(F, c, x).add(t); t.intoArray(c, x); }
            }
        }
        // tail columns (n not a multiple of L): the same fma chain per element as the scalar kernel
        for (int r = 0; nv < n && r < m; r++) {
            for (int j = nv; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) s = Math.fma(a[aOff + r * lda + p], b[bOff + p * ldb + j], s);
                int x = cOff + r * ldc + j;
                c[x] = ScalarChunkGemm.combine(s, negate, accumulate, c[x]);
            }
        }
    }
}
