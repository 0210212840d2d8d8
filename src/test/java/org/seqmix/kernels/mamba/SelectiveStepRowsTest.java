package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The fused Mamba-1 step rows against a plain double loop: the scalar floor, and Panama (N = 16 takes the folded path). */
class SelectiveStepRowsTest {
    static void check(SelectiveStepRows impl, double tol) {
        Rng r = new Rng(2);
        int[][] shapes = {{64, 16}, {37, 16}, {16, 16}, {15, 16}, {7, 13}, {5, 32}, {3, 1}, {48, 8}};
        for (int[] sh : shapes) {
            int w = sh[0], n = sh[1], so = 3, bo = 1, co = 2, yo = 5;
            float[] s = r.normal(1f, so + w * n).data(), b = r.normal(1f, bo + n).data(), c = r.normal(1f, co + n).data();
            float[] dA = r.uniform(0f, 1f, w * n).data(), du = r.normal(1f, w).data(), y = new float[yo + w];
            float[] s0 = s.clone();
            impl.rows(s, so, w, n, dA, du, b, bo, c, co, y, yo);
            for (int ch = 0; ch < w; ch++) {
                double acc = 0, mag = 0;
                for (int k = 0; k < n; k++) {
                    double v = (double) dA[ch * n + k] * s0[so + ch * n + k] + (double) du[ch] * b[bo + k];
                    assertEquals(v, s[so + ch * n + k], tol * (1 + Math.abs(v)), impl.name() + " state " + w + "x" + n);
                    acc += v * c[co + k];
                    mag += Math.abs(v * c[co + k]);
                }
                assertEquals(acc, y[yo + ch], tol * (1 + mag), impl.name() + " y " + w + "x" + n + " channel " + ch);
            }
            for (int i = 0; i < so; i++) assertEquals(s0[i], s[i], 0.0, "wrote before the state window");
            for (int i = 0; i < yo; i++) assertEquals(0f, y[i], 0.0, "wrote before the y window");
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        check(SelectiveStepRows.scalar(), 1e-6);
    }

    @Test
    void panamaMatchesTheDefinition() {
        SelectiveStepRows p = SelectiveStepRows.panama();
        assumeTrue(p != null, "jdk.incubator.vector not present");
        check(p, 1e-6);
        assertEquals(p.getClass(), SelectiveStepRows.get().getClass(), "the Panama kernel is the active one when the module is present");
    }
}
