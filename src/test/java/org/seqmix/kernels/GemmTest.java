package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Gemm.sgemm against a float64 triple loop: odd sizes, all transposes, alpha/beta, strides, bad arguments. */
class GemmTest {
    static final int[] SIZES = {1, 3, 7, 17, 65, 129, 300};

    static List<GemmMicroKernel> kernels() throws Exception {
        List<GemmMicroKernel> l = new ArrayList<>();
        l.add(new ScalarGemmKernel());
        if (VectorizationProvider.vectorModulePresent()) {
            l.add((GemmMicroKernel) Class.forName("org.seqmix.kernels.PanamaGemmKernel").getDeclaredConstructor().newInstance());
        }
        return l;
    }

    static float[] rand(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextFloat() * 2 - 1;
        return a;
    }

    /** Runs one case with padded leading dimensions and offsets, checks every element of C and the padding. */
    static void check(GemmMicroKernel kern, boolean tA, boolean tB, int m, int n, int k, float alpha, float beta, long seed) {
        Random r = new Random(seed);
        int aRows = tA ? k : m, aCols = tA ? m : k, bRows = tB ? n : k, bCols = tB ? k : n;
        int lda = aCols + 3, ldb = bCols + 5, ldc = n + 2, aOff = 7, bOff = 2, cOff = 5;
        float[] a = rand(r, aOff + aRows * lda), b = rand(r, bOff + bRows * ldb), c = rand(r, cOff + m * ldc + 3);
        if (beta == 0f) for (int i = 0; i < m; i++) c[cOff + i * ldc] = Float.NaN;  // must not propagate
        float[] c0 = c.clone();
        if (kern == null) Gemm.sgemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        else Gemm.sgemm(kern, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        String what = (kern == null ? "default" : kern.name()) + " tA=" + tA + " tB=" + tB + " m=" + m + " n=" + n + " k=" + k
                + " alpha=" + alpha + " beta=" + beta;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++) {
                    double av = tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                    mag += Math.abs(av * bv);
                }
                double cOld = beta == 0f ? 0 : c0[cOff + i * ldc + j];
                double ref = alpha * s + beta * cOld;
                float got = c[cOff + i * ldc + j];
                double tol = 1e-5 * (Math.abs(alpha) * mag + Math.abs(beta * cOld)) + 1e-6;
                assertTrue(Math.abs(got - ref) <= tol, what + " at (" + i + "," + j + "): expected " + ref + " got " + got);
            }
            for (int j = n; j < ldc && cOff + i * ldc + j < c.length; j++) {
                assertEquals(c0[cOff + i * ldc + j], c[cOff + i * ldc + j], what + ": wrote into the ldc padding");
            }
        }
        for (int i = 0; i < cOff; i++) assertEquals(c0[i], c[i], what + ": wrote before cOff");
    }

    @Test
    void oddSizesAllTransposes() throws Exception {
        long seed = 0;
        for (GemmMicroKernel kern : kernels()) {
            for (boolean tA : new boolean[] {false, true}) {
                for (boolean tB : new boolean[] {false, true}) {
                    for (int s : SIZES) check(kern, tA, tB, s, s, s, 1f, 0f, seed++);
                    // mixed shapes: K beyond one KC slice, thin M, thin N
                    check(kern, tA, tB, 17, 65, 300, 1f, 0f, seed++);
                    check(kern, tA, tB, 300, 7, 129, 1f, 0f, seed++);
                    check(kern, tA, tB, 1, 129, 65, 1f, 0f, seed++);
                    check(kern, tA, tB, 65, 1, 17, 1f, 0f, seed++);
                    check(kern, tA, tB, 1, 300, 129, 1f, 0f, seed++);     // single-row path
                    check(kern, tA, tB, 1, 65, 300, -0.5f, 2f, seed++);
                }
            }
        }
    }

    @Test
    void alphaBeta() throws Exception {
        for (GemmMicroKernel kern : kernels()) {
            check(kern, false, false, 65, 33, 300, 0.5f, 0f, 1);
            check(kern, false, true, 65, 33, 300, -2f, 1f, 2);
            check(kern, true, false, 17, 129, 40, 1.5f, -0.25f, 3);
            check(kern, true, true, 7, 7, 7, 1f, 2f, 4);
            check(kern, false, false, 3, 3, 3, 0f, 0.5f, 5);   // alpha 0: only beta * C
            check(kern, false, false, 3, 3, 0, 1f, 0.5f, 6);   // k 0: only beta * C
        }
        // the default kernel, large enough for the parallel path
        check(null, false, false, 300, 300, 300, 1f, 0f, 7);
        check(null, true, true, 300, 129, 300, 0.5f, 2f, 8);
    }

    @Test
    void betaZeroNeverReadsC() throws Exception {
        for (GemmMicroKernel kern : kernels()) {
            for (int s : new int[] {3, 65}) {
                float[] a = new float[s * s], b = new float[s * s], c = new float[s * s];
                java.util.Arrays.fill(a, 1f);
                java.util.Arrays.fill(b, 1f);
                java.util.Arrays.fill(c, Float.NaN);
                Gemm.sgemm(kern, false, false, s, s, s, 1f, a, 0, s, b, 0, s, 0f, c, 0, s);
                for (float v : c) assertEquals((float) s, v, kern.name());
                java.util.Arrays.fill(c, Float.NaN);
                Gemm.sgemm(kern, false, false, s, s, 0, 1f, a, 0, s, b, 0, s, 0f, c, 0, s);
                for (float v : c) assertEquals(0f, v, "k = 0, beta = 0 zeroes C");
            }
        }
    }

    @Test
    void scalarAndPanamaKernelsAgree() throws Exception {
        List<GemmMicroKernel> ks = kernels();
        if (ks.size() < 2) return;
        Random r = new Random(3);
        int m = 129, n = 67, k = 300;
        float[] a = rand(r, m * k), b = rand(r, k * n), c1 = new float[m * n], c2 = new float[m * n];
        Gemm.sgemm(ks.get(0), false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c1, 0, n);
        Gemm.sgemm(ks.get(1), false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c2, 0, n);
        for (int i = 0; i < c1.length; i++) assertEquals(c1[i], c2[i], 1e-4f);
    }

    @Test
    void badArgumentsRejectedBeforeWriting() {
        float[] a = new float[12], b = new float[12], c = new float[12];
        java.util.Arrays.fill(c, 9f);
        assertThrowsNaming("m", () -> Gemm.sgemm(false, false, -1, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3));
        assertThrowsNaming("k", () -> Gemm.sgemm(false, false, 3, 3, -4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3));
        assertThrowsNaming("lda", () -> Gemm.sgemm(false, false, 3, 3, 4, 1f, a, 0, 3, b, 0, 3, 0f, c, 0, 3));
        assertThrowsNaming("ldb", () -> Gemm.sgemm(false, true, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3));
        assertThrowsNaming("ldc", () -> Gemm.sgemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 2));
        assertThrowsNaming("a", () -> Gemm.sgemm(false, false, 3, 3, 4, 1f, a, 1, 4, b, 0, 3, 0f, c, 0, 3));
        assertThrowsNaming("b", () -> Gemm.sgemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 1, 3, 0f, c, 0, 3));
        assertThrowsNaming("c", () -> Gemm.sgemm(false, false, 3, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 4, 3));
        assertThrowsNaming("a", () -> Gemm.sgemm(false, false, 3, 3, 4, 1f, a, -1, 4, b, 0, 3, 0f, c, 0, 3));
        assertThrowsNaming("a", () -> Gemm.sgemm(false, false, 3, 3, 4, 1f, null, 0, 4, b, 0, 3, 0f, c, 0, 3));
        for (float v : c) assertEquals(9f, v, "C untouched by a rejected call");
        // exact fit is accepted, transposed A is K x M
        Gemm.sgemm(true, false, 3, 3, 4, 1f, a, 0, 3, b, 0, 3, 0f, c, 3, 3);
        Gemm.sgemm(false, false, 0, 0, 0, 1f, new float[0], 0, 1, new float[0], 0, 1, 0f, new float[0], 0, 1);
    }

    static void assertThrowsNaming(String arg, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(arg + ":") || e.getMessage().startsWith(arg + " "), e.getMessage());
    }

    @Test
    void chunkSizedProductsReuseBuffers() {
        // the shapes the chunk kernels make, many times: must be correct and not grow memory per call
        Random r = new Random(9);
        float[] a = rand(r, 64 * 128), b = rand(r, 128 * 128), c = new float[64 * 128], ref = new float[64 * 128];
        Gemm.sgemm(false, false, 64, 128, 128, 1f, a, 0, 128, b, 0, 128, 0f, ref, 0, 128);
        for (int it = 0; it < 200; it++) Gemm.sgemm(false, false, 64, 128, 128, 1f, a, 0, 128, b, 0, 128, 0f, c, 0, 128);
        assertArrayEquals(ref, c);
        check(null, false, true, 64, 64, 128, 1f, 0f, 10);
        check(null, true, false, 64, 128, 64, 1f, 1f, 11);
    }
}
