package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TriangularTest {
    /** A strided unit lower block with garbage in the diagonal and upper part (must never be read). */
    static float[] block(Random r, int off, int ld, int n) {
        float[] a = new float[off + n * ld + 2];
        for (int i = 0; i < a.length; i++) a[i] = 100f + r.nextFloat();
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[off + i * ld + j] = (r.nextFloat() - 0.5f) * 0.4f;
        return a;
    }

    static double lower(float[] a, int off, int ld, int i, int j) {
        return i == j ? 1 : (j < i ? a[off + i * ld + j] : 0);
    }

    @Test
    void inverseTimesMatrixIsIdentity() {
        Random r = new Random(1);
        for (int n : new int[] {1, 2, 7, 16, 33, 64}) {
            int off = 3, ld = n + 5, oo = 2, ldo = n + 1;
            float[] a = block(r, off, ld, n);
            float[] out = new float[oo + n * ldo + 1];
            java.util.Arrays.fill(out, Float.NaN);
            Triangular.invertUnitLower(a, off, ld, n, out, oo, ldo);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < n; p++) s += lower(a, off, ld, i, p) * out[oo + p * ldo + j];
                    assertEquals(i == j ? 1.0 : 0.0, s, 1e-5, "n=" + n + " (L L^-1)[" + i + "][" + j + "]");
                    if (j > i) assertEquals(0f, out[oo + i * ldo + j], "upper part of the inverse is zero");
                    if (j == i) assertEquals(1f, out[oo + i * ldo + j]);
                }
            }
            assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[out.length - 1]), "nothing written outside the block");
        }
    }

    @Test
    void solveMatchesInverseProduct() {
        Random r = new Random(2);
        for (int n : new int[] {1, 5, 64}) {
            for (int m : new int[] {1, 9, 128}) {
                int off = 1, ld = n + 2, bo = 4, ldb = m + 3;
                float[] l = block(r, off, ld, n);
                float[] b = new float[bo + n * ldb];
                for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
                float[] b0 = b.clone();
                Triangular.solveUnitLower(l, off, ld, n, b, bo, ldb, m);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < m; j++) {
                        double s = 0;
                        for (int p = 0; p < n; p++) s += lower(l, off, ld, i, p) * b[bo + p * ldb + j];
                        assertEquals(b0[bo + i * ldb + j], s, 1e-5, "n=" + n + " m=" + m + " (L X)[" + i + "][" + j + "]");
                    }
                    for (int j = m; j < ldb && bo + i * ldb + j < b.length; j++) assertEquals(b0[bo + i * ldb + j], b[bo + i * ldb + j]);
                }
            }
        }
    }

    @Test
    void badArguments() {
        float[] a = new float[16], out = new float[16];
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Triangular.invertUnitLower(a, 0, 3, 4, out, 0, 4))
                .getMessage().startsWith("ld:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Triangular.invertUnitLower(a, 1, 4, 4, out, 0, 4))
                .getMessage().startsWith("a:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Triangular.invertUnitLower(a, 0, 4, 4, a, 0, 4))
                .getMessage().startsWith("out:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Triangular.invertUnitLower(a, 0, 4, -1, out, 0, 4))
                .getMessage().startsWith("n:"));
        float[] b = new float[8];
        java.util.Arrays.fill(b, 7f);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Triangular.solveUnitLower(a, 0, 4, 4, b, 0, 3, 3))
                .getMessage().startsWith("b:"));
        for (float v : b) assertEquals(7f, v, "rejected call leaves b untouched");
    }
}
