package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The fused Mamba-1 scan token over a block of channels: scalar floor against the definition, Panama too. */
class ScanChannelsTest {
    static void check(ScanChannels impl, double tol) {
        int[][] shapes = {{1, 1}, {5, 3}, {16, 16}, {64, 16}, {70, 7}, {33, 4}};   // w channels, n states
        long seed = 1;
        for (int[] sh : shapes) {
            int w = sh[0], n = sh[1], d = w + 9, ato = 4, bo = 2, co = 3;
            Rng r = new Rng(seed++);
            float[] s = r.normal(1f, n * w).data(), dl = r.uniform(0.01f, 1f, w).data(), du = r.normal(1f, w).data();
            float[] at = r.uniform(-3f, -0.1f, ato + n * d).data(), b = r.normal(1f, bo + n).data(), c = r.normal(1f, co + n).data();
            float[] s0 = s.clone(), y = new float[w];
            impl.token(s, w, n, dl, du, at, ato, d, b, bo, c, co, y);
            for (int j = 0; j < w; j++) {
                double acc = 0;
                for (int k = 0; k < n; k++) {
                    double v = Math.exp((double) dl[j] * at[ato + k * d + j]) * s0[k * w + j] + (double) du[j] * b[bo + k];
                    assertEquals(v, s[k * w + j], tol * (1 + Math.abs(v)), impl.name() + " state " + w + "x" + n);
                    acc += v * c[co + k];
                }
                assertEquals(acc, y[j], tol * (1 + 3 * Math.sqrt(n)), impl.name() + " y " + w + "x" + n + " channel " + j);
            }
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        check(ScanChannels.scalar(), 1e-5);
    }

    @Test
    void panamaMatchesTheDefinition() {
        ScanChannels p = ScanChannels.panama();
        assumeTrue(p != null, "jdk.incubator.vector not present");
        check(p, 1e-5);
        assertEquals(p.getClass(), ScanChannels.get().getClass());
    }
}
