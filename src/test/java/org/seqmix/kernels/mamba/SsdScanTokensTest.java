package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The Mamba-2 scan block: scalar floor against a double loop of the definition, Panama bit-identical to the floor. */
class SsdScanTokensTest {
    /** N, w, nb: full and short blocks, four- and one-vector tiles and scalar tail columns for 8 and 16 lanes. */
    private static final int[][] SHAPES = {{128, 64, 2}, {128, 80, 2}, {32, 16, 1}, {5, 37, 2}, {7, 3, 2}, {16, 48, 1}, {1, 33, 2},
            {9, 100, 2}, {4, 128, 2}, {3, 200, 2}, {6, 72, 1}};

    record Run(float[] s, float[] y) {}

    static Run run(SsdScanTokens impl, int n, int w, int nb, long seed) {
        Rng r = new Rng(seed);
        int ldb = n + 3, ldy = w + 5, bo = 2, qo = 1, yo = 3;
        float[] s = r.normal(1f, n * w).data(), b = r.normal(1f, bo + nb * ldb).data(), q = r.normal(1f, qo + nb * ldq(n)).data();
        float[] u = r.normal(1f, nb * w).data(), ys = r.uniform(0.1f, 2f, nb).data();
        float[] y = new float[yo + nb * ldy];
        impl.tokens(s, n, w, nb, b, bo, ldb, q, qo, ldq(n), u, ys, y, yo, ldy);
        return new Run(s, y);
    }

    private static int ldq(int n) { return n + 1; }

    static void checkDefinition(SsdScanTokens impl) {
        long seed = 3;
        for (int[] sh : SHAPES) {
            int n = sh[0], w = sh[1], nb = sh[2];
            Run got = run(impl, n, w, nb, seed);
            // the same inputs again, for the double-precision definition
            Rng r = new Rng(seed++);
            int ldb = n + 3, ldy = w + 5, bo = 2, qo = 1, yo = 3;
            float[] s = r.normal(1f, n * w).data(), b = r.normal(1f, bo + nb * ldb).data(), q = r.normal(1f, qo + nb * ldq(n)).data();
            float[] u = r.normal(1f, nb * w).data(), ys = r.uniform(0.1f, 2f, nb).data();
            double[] st = new double[n * w];
            for (int i = 0; i < st.length; i++) st[i] = s[i];
            for (int j = 0; j < nb; j++) {
                for (int c = 0; c < w; c++) {
                    double acc = 0;
                    for (int i = 0; i < n; i++) {
                        st[i * w + c] += (double) b[bo + j * ldb + i] * u[j * w + c];
                        acc += q[qo + j * ldq(n) + i] * st[i * w + c];
                    }
                    double want = ys[j] * acc;
                    assertEquals(want, got.y()[yo + j * ldy + c], 1e-4 * (1 + Math.abs(want)) * Math.sqrt(n), impl.name() + " y " + java.util.Arrays.toString(sh));
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
