package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The Mamba-2 scan block: scalar floor against a double loop of the definition, Panama bit-identical to the floor. */
class SsdScanTokensTest {
    /**
     * N, w, nb: full and short blocks; two- and one-vector tiles, leftover rows (N % 4) and scalar tail columns for
     * 8 and 16 lanes.
     */
    private static final int[][] SHAPES = {{128, 64, 32}, {128, 80, 17}, {32, 16, 1}, {5, 37, 2}, {7, 3, 32}, {16, 48, 1}, {1, 33, 5},
            {9, 100, 2}, {4, 128, 32}, {3, 200, 3}, {6, 72, 1}, {130, 24, 31}, {11, 8, 7}};

    record Run(float[] s, float[] y) {}

    static Run run(SsdScanTokens impl, int n, int w, int nb, long seed) {
        Rng r = new Rng(seed);
        int ldy = w + 5, yo = 3;
        float[] s = r.normal(1f, n * w).data(), b = r.normal(1f, BO + nb * ldb(n)).data(), c = r.normal(1f, BO + nb * ldb(n)).data();
        float[] u = r.normal(1f, 2 * nb * w).data(), ys = r.uniform(0.1f, 2f, nb).data();
        java.util.Arrays.fill(u, nb * w, 2 * nb * w, Float.NaN);   // the scratch half: whatever is there must not matter
        float[] y = new float[yo + nb * ldy];
        impl.tokens(s, n, w, nb, b, c, BO, ldb(n), u, ys, y, yo, ldy);
        return new Run(s, y);
    }

    /** Where the B and C rows start, and their stride (rows of N with a gap, as for G > 1 groups). */
    private static final int BO = 3;

    private static int ldb(int n) { return n + 2; }

    static void checkDefinition(SsdScanTokens impl) {
        long seed = 3;
        for (int[] sh : SHAPES) {
            int n = sh[0], w = sh[1], nb = sh[2];
            Run got = run(impl, n, w, nb, seed);
            // the same inputs again, for the double-precision definition
            Rng r = new Rng(seed++);
            int ldy = w + 5, yo = 3, ld = ldb(n);
            float[] s = r.normal(1f, n * w).data(), b = r.normal(1f, BO + nb * ld).data(), c = r.normal(1f, BO + nb * ld).data();
            float[] u = r.normal(1f, 2 * nb * w).data(), ys = r.uniform(0.1f, 2f, nb).data();
            double[] st = new double[n * w];
            for (int i = 0; i < st.length; i++) st[i] = s[i];
            for (int j = 0; j < nb; j++) {
                for (int col = 0; col < w; col++) {
                    double acc = 0;
                    for (int i = 0; i < n; i++) {
                        st[i * w + col] += (double) b[BO + j * ld + i] * u[j * w + col];
                        acc += c[BO + j * ld + i] * st[i * w + col];
                    }
                    double want = ys[j] * acc;
                    assertEquals(want, got.y()[yo + j * ldy + col], 1e-4 * (1 + Math.abs(want)) * Math.sqrt(n), impl.name() + " y " + java.util.Arrays.toString(sh));
                }
            }
            for (int i = 0; i < st.length; i++) {
                assertEquals(st[i], got.s()[i], 1e-5 * (1 + Math.abs(st[i])) * nb, impl.name() + " state " + java.util.Arrays.toString(sh));
            }
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        checkDefinition(SsdScanTokens.scalar());
    }

    @Test
    void panamaIsBitIdenticalToTheScalarFloor() {
        SsdScanTokens p = SsdScanTokens.panama();
        assumeTrue(p != null, "jdk.incubator.vector not present");
        checkDefinition(p);
        long seed = 100;
        for (int[] sh : SHAPES) {
            Run a = run(p, sh[0], sh[1], sh[2], seed), b = run(SsdScanTokens.scalar(), sh[0], sh[1], sh[2], seed++);
            assertArrayEquals(b.s(), a.s(), "state " + java.util.Arrays.toString(sh));
            assertArrayEquals(b.y(), a.y(), "y " + java.util.Arrays.toString(sh));
        }
        assertEquals(p.getClass(), SsdScanTokens.get().getClass(), "the Panama kernel is the active one when the module is present");
    }
}
