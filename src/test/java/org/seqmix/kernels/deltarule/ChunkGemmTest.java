package org.seqmix.kernels.deltarule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.seqmix.kernels.VectorizationProvider;

/** The chunk products: best() bit-identical to portable(), both equal to a double-precision reference. */
class ChunkGemmTest {
    @Test
    void panamaKernelLoadedWhenTheVectorModuleIsPresent() {
        assumeTrue(VectorizationProvider.vectorModulePresent(), "no jdk.incubator.vector");
        assertTrue(ChunkGemm.best() instanceof PanamaChunkGemm, "Panama kernel loaded: " + ChunkGemm.best());
    }

    @Test
    void bestMatchesPortableAndReferenceOnOddShapes() {
        Random r = new Random(7);
        int[][] shapes = {{1, 1, 1}, {3, 17, 5}, {4, 64, 64}, {7, 130, 33}, {64, 128, 128}, {9, 16, 1}, {5, 48, 70}, {128, 129, 64}};
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2], lda = k + 3, ldb = n + 2, ldc = n + 5;
            float[] a = fill(r, 2 + m * lda), b = fill(r, 1 + k * ldb), c0 = fill(r, 4 + m * ldc);
            for (boolean negate : new boolean[] {false, true}) {
                for (boolean acc : new boolean[] {false, true}) {
                    float[] cb = c0.clone(), cp = c0.clone();
                    ChunkGemm.best().nn(m, n, k, negate, a, 2, lda, b, 1, ldb, acc, cb, 4, ldc);
                    ChunkGemm.portable().nn(m, n, k, negate, a, 2, lda, b, 1, ldb, acc, cp, 4, ldc);
                    String what = m + "x" + n + "x" + k + " negate " + negate + " accumulate " + acc;
                    assertArrayEquals(cp, cb, what);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double s = 0;
                            for (int p = 0; p < k; p++) s += (double) a[2 + i * lda + p] * b[1 + p * ldb + j];
                            double want = (acc ? c0[4 + i * ldc + j] : 0) + (negate ? -s : s);
                            assertEquals(want, cb[4 + i * ldc + j], 1e-5 * (1 + Math.abs(want)) * Math.sqrt(k), what);
                        }
                    }
                    // outside the C block nothing is touched
                    for (int x = 0; x < 4; x++) assertEquals(c0[x], cb[x], what);
                }
            }
        }
    }

    private static float[] fill(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
