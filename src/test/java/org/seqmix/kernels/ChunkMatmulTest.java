package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The unpacked chunk products: scalar floor against a double-precision loop, Panama bit-identical to the scalar floor. */
class ChunkMatmulTest {
    /**
     * m, n, k: full 6 x 64 and 8 x 32 tiles, the 6/4/1-row splits (6, 7, 10, 12, 22 rows), row and column tails,
     * sizes below one tile, odd everything ({3, 17, 5} to {128, 129, 64} came from the merged ChunkGemmTest).
     */
    static final int[][] SHAPES = {{1, 1, 1}, {8, 32, 1}, {64, 128, 128}, {64, 64, 128}, {128, 128, 64}, {9, 33, 7},
            {17, 70, 13}, {5, 200, 31}, {63, 31, 64}, {40, 96, 3}, {16, 48, 128}, {16, 16, 128}, {24, 80, 9},
            {6, 64, 64}, {7, 130, 33}, {10, 128, 5}, {12, 192, 17}, {22, 64, 128}, {3, 17, 5}, {4, 64, 64}, {9, 16, 1},
            {5, 48, 70}, {128, 129, 64}, {2, 64, 3}};
    static final int AO = 3, BO = 2, CO = 5;

    /** a stored with row stride ars and column stride aps (row-major with padding, or transposed); b, c padded rows. */
    record Case(int m, int n, int k, int ars, int aps, int ldb, int ldc, float[] a, float[] b, float[] c0) {
        static Case of(int m, int n, int k, boolean transposedA, long seed) {
            Rng r = new Rng(seed);
            int ars = transposedA ? 1 : k + 3, aps = transposedA ? m + 2 : 1, ldb = n + 1, ldc = n + 4;
            float[] a = r.normal(1f, AO + (transposedA ? k * aps : m * ars)).data();
            float[] b = r.normal(1f, BO + k * ldb).data(), c0 = r.normal(1f, CO + m * ldc + 3).data();
            return new Case(m, n, k, ars, aps, ldb, ldc, a, b, c0);
        }

        float[] run(ChunkMatmul mm, float alpha, boolean acc) {
            float[] c = c0.clone();
            mm.mul(m, n, k, alpha, a, AO, ars, aps, b, BO, ldb, c, CO, ldc, acc);
            return c;
        }
    }

    static void checkDefinition(ChunkMatmul mm) {
        long seed = 1;
        for (int[] sh : SHAPES) {
            for (boolean tr : new boolean[] {false, true}) {
                for (boolean acc : new boolean[] {false, true}) {
                    Case t = Case.of(sh[0], sh[1], sh[2], tr, seed++);
                    float[] c = t.run(mm, 0.7f, acc);
                    String what = mm.name() + " " + sh[0] + "x" + sh[1] + "x" + sh[2] + (tr ? " transposed a" : "") + (acc ? " accumulate" : "");
                    for (int i = 0; i < t.m; i++) {
                        for (int j = 0; j < t.n; j++) {
                            double s = 0;
                            for (int p = 0; p < t.k; p++) s += (double) t.a[AO + i * t.ars + p * t.aps] * t.b[BO + p * t.ldb + j];
                            int ci = CO + i * t.ldc + j;
                            double want = 0.7 * s + (acc ? t.c0[ci] : 0);
                            assertEquals(want, c[ci], 1e-5 * (1 + Math.sqrt(t.k) * 3), what + " c[" + i + "," + j + "]");
                        }
                        for (int j = t.n; j < t.ldc && i < t.m - 1; j++) {
                            assertEquals(t.c0[CO + i * t.ldc + j], c[CO + i * t.ldc + j], 0.0, what + " wrote into the padding");
                        }
                    }
                    for (int i = 0; i < CO; i++) assertEquals(t.c0[i], c[i], 0.0, what + " wrote before c");
                    for (int i = CO + (t.m - 1) * t.ldc + t.n; i < c.length; i++) assertEquals(t.c0[i], c[i], 0.0, what + " wrote after c");
                }
            }
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        checkDefinition(ChunkMatmul.scalar());
    }

    @Test
    void panamaMatchesTheDefinitionAndTheScalarFloor() throws Exception {
        ChunkMatmul active = ChunkMatmul.panama();
        assumeTrue(active != null, "jdk.incubator.vector not present");
        assertEquals(active.getClass(), ChunkMatmul.get().getClass(), "the Panama kernel is the active one when the module is present");
        for (boolean wide : new boolean[] {false, true}) {   // both tile sets, whatever this machine's default
            ChunkMatmul p = active.getClass().getDeclaredConstructor(boolean.class).newInstance(wide);
            checkDefinition(p);
            checkScalarFloor(p);
        }
    }

    private static void checkScalarFloor(ChunkMatmul p) {
        long seed = 100;
        for (int[] sh : SHAPES) {
            for (boolean tr : new boolean[] {false, true}) {
                for (boolean acc : new boolean[] {false, true}) {
                    Case t = Case.of(sh[0], sh[1], sh[2], tr, seed++);
                    for (float alpha : new float[] {0.3f, 1f, -1f}) {   // ±1: the delta rule's products
                        assertArrayEquals(t.run(ChunkMatmul.scalar(), alpha, acc), t.run(p, alpha, acc),
                                p.name() + " " + sh[0] + "x" + sh[1] + "x" + sh[2] + " transposed=" + tr + " acc=" + acc + " alpha=" + alpha);
                    }
                }
            }
        }
    }
}
