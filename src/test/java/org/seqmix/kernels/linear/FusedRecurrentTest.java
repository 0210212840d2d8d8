package org.seqmix.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The fused one-token kernel: scalar floor against a double-precision loop, Panama against the scalar floor. */
class FusedRecurrentTest {
    /** rows x cols, chosen to hit the 4-vector tiles, the 1-vector tail and the scalar tail for 8 and 16 lanes. */
    static final int[][] SHAPES = {{1, 1}, {3, 5}, {8, 16}, {16, 33}, {7, 64}, {128, 128}, {5, 70}, {64, 200}};
    static final int SO = 3, KO = 1, VO = 2, QO = 4, OO = 5, GO = 6;

    record Run(float[] s, float[] o) {}

    static Run run(FusedRecurrent impl, int rows, int cols, boolean perRow, long seed) {
        Rng r = new Rng(seed);
        float[] s = r.normal(1f, SO + rows * cols).data(), k = r.normal(1f, KO + rows).data(), v = r.normal(1f, VO + cols).data();
        float[] q = r.normal(1f, QO + rows).data(), g = r.uniform(-2f, 0f, GO + rows).data();
        float[] o = new float[OO + cols + 2];
        java.util.Arrays.fill(o, 9f);
        impl.token(s, SO, rows, cols, 0.9f, perRow ? g : null, GO, new float[rows], k, KO, v, VO, 0.7f, q, QO, 0.3f, o, OO);
        return new Run(s, o);
    }

    static void checkDefinition(FusedRecurrent impl, double tol) {
        long seed = 1;
        for (int[] sh : SHAPES) {
            for (boolean perRow : new boolean[] {false, true}) {
                int rows = sh[0], cols = sh[1];
                Rng r = new Rng(seed);
                float[] s0 = r.normal(1f, SO + rows * cols).data(), k = r.normal(1f, KO + rows).data(), v = r.normal(1f, VO + cols).data();
                float[] q = r.normal(1f, QO + rows).data(), g = r.uniform(-2f, 0f, GO + rows).data();
                Run got = run(impl, rows, cols, perRow, seed++);
                String what = impl.name() + " " + rows + "x" + cols + (perRow ? " per-row decay" : "");
                for (int j = 0; j < cols; j++) {
                    double acc = 0;
                    for (int i = 0; i < rows; i++) {
                        double d = perRow ? Math.exp(g[GO + i]) : 0.9f;
                        double x = d * s0[SO + i * cols + j] + (double) k[KO + i] * 0.7f * v[VO + j];
                        assertEquals(x, got.s[SO + i * cols + j], tol * (1 + Math.abs(x)), what + " state");
                        acc += (double) q[QO + i] * 0.3f * x;
                    }
                    assertEquals(acc, got.o[OO + j], tol * (1 + Math.sqrt(rows) * 3), what + " o[" + j + "]");
                }
                for (int i = 0; i < SO; i++) assertEquals(s0[i], got.s[i], 0.0, "wrote before the state");
                for (int i = 0; i < OO; i++) assertEquals(9f, got.o[i], 0.0, "wrote before o");
                assertEquals(9f, got.o[OO + cols], 0.0, "wrote after o");
            }
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        checkDefinition(FusedRecurrent.scalar(), 1e-5);
    }

    @Test
    void panamaMatchesTheDefinitionAndTheScalarFloor() {
        FusedRecurrent p = FusedRecurrent.panama();
        assumeTrue(p != null, "jdk.incubator.vector not present");
        checkDefinition(p, 1e-5);
        // same fma order and the same VectorOps.exp for per-row decays as the scalar floor: bit-identical
        long seed = 100;
        for (int[] sh : SHAPES) {
            for (boolean perRow : new boolean[] {false, true}) {
                Run a = run(p, sh[0], sh[1], perRow, seed), b = run(FusedRecurrent.scalar(), sh[0], sh[1], perRow, seed++);
                assertArrayEquals(b.s, a.s, sh[0] + "x" + sh[1] + " perRow=" + perRow);
                assertArrayEquals(b.o, a.o, sh[0] + "x" + sh[1] + " perRow=" + perRow);
            }
        }
        assertEquals(p.getClass(), FusedRecurrent.get().getClass(), "the Panama kernel is the active one when the module is present");
    }
}
