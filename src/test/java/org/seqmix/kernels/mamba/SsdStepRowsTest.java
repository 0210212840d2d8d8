package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The fused Mamba-2 step rows: scalar floor against a plain double loop, Panama against the scalar floor. */
class SsdStepRowsTest {
    static void check(SsdStepRows impl, double tol) {
        Rng r = new Rng(1);
        int[][] shapes = {{16, 32}, {7, 13}, {1, 5}, {5, 8}, {64, 128}, {3, 1}};
        for (int[] sh : shapes) {
            int rows = sh[0], n = sh[1], so = 3, bo = 1, co = 2, xo = 4, yo = 5;
            float[] s = r.normal(1f, so + rows * n).data(), b = r.normal(1f, bo + n).data(), c = r.normal(1f, co + n).data();
            float[] x = r.normal(1f, xo + rows).data(), y = new float[yo + rows];
            float[] s0 = s.clone();
            float dA = 0.83f, dt = 0.37f;
            impl.update(s, so, rows, n, dA, dt, x, xo, b, bo, c, co, y, yo);
            for (int p = 0; p < rows; p++) {
                double acc = 0;
                for (int k = 0; k < n; k++) {
                    double v = (double) dA * s0[so + p * n + k] + (double) dt * x[xo + p] * b[bo + k];
                    assertEquals(v, s[so + p * n + k], tol * (1 + Math.abs(v)), impl.name() + " state " + rows + "x" + n);
                    acc += v * c[co + k];
                }
                assertEquals(acc, y[yo + p], tol * (1 + Math.sqrt(n) * 3), impl.name() + " y " + rows + "x" + n + " row " + p);
            }
            for (int i = 0; i < so; i++) assertEquals(s0[i], s[i], 0.0, "wrote before the state window");
            for (int i = 0; i < yo; i++) assertEquals(0f, y[i], 0.0, "wrote before the y window");
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        check(SsdStepRows.scalar(), 1e-5);
    }

    @Test
    void panamaMatchesTheDefinition() {
        SsdStepRows p = SsdStepRows.panama();
        assumeTrue(p != null, "jdk.incubator.vector not present");
        check(p, 1e-5);
        assertEquals(p.getClass(), SsdStepRows.get().getClass(), "the Panama kernel is the active one when the module is present");
    }
}
