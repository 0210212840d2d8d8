package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;

/** The fused Mamba-1 scan token over a block of channels: scalar floor against the definition, Panama against both. */
class ScanChannelsTest {
    static final int[][] SHAPES = {{1, 1}, {5, 3}, {16, 16}, {64, 16}, {70, 7}, {33, 4}};   // w channels, n states

    static float[][] run(ScanChannels impl, int w, int n, long seed) {
        Rng r = new Rng(seed);
        float[] s = r.normal(1f, n * w).data(), dA = r.uniform(0.05f, 1f, n * w).data(), du = r.normal(1f, w).data();
        float[] b = r.normal(1f, 2 + n).data(), c = r.normal(1f, 3 + n).data(), y = new float[w];
        impl.token(s, w, n, dA, du, b, 2, c, 3, y);
        return new float[][] {s, y};
    }

    static void check(ScanChannels impl, double tol) {
        long seed = 1;
        for (int[] sh : SHAPES) {
            int w = sh[0], n = sh[1];
            Rng r = new Rng(seed);
            float[] s0 = r.normal(1f, n * w).data(), dA = r.uniform(0.05f, 1f, n * w).data(), du = r.normal(1f, w).data();
            float[] b = r.normal(1f, 2 + n).data(), c = r.normal(1f, 3 + n).data();
            float[][] got = run(impl, w, n, seed++);
            for (int j = 0; j < w; j++) {
                double acc = 0;
                for (int k = 0; k < n; k++) {
                    double v = (double) dA[k * w + j] * s0[k * w + j] + (double) du[j] * b[2 + k];
                    assertEquals(v, got[0][k * w + j], tol * (1 + Math.abs(v)), impl.name() + " state " + w + "x" + n);
                    acc += v * c[3 + k];
                }
                assertEquals(acc, got[1][j], tol * (1 + 3 * Math.sqrt(n)), impl.name() + " y " + w + "x" + n + " channel " + j);
            }
        }
    }

    @Test
    void scalarMatchesTheDefinition() {
        check(ScanChannels.scalar(), 1e-5);
    }

    @Test
    void panamaMatchesTheDefinitionAndTheScalarFloorBitForBit() {
        ScanChannels p = ScanChannels.panama();
        assumeTrue(p != null, "jdk.incubator.vector not present");
        check(p, 1e-5);
        long seed = 50;
        for (int[] sh : SHAPES) {
            float[][] a = run(p, sh[0], sh[1], seed), b = run(ScanChannels.scalar(), sh[0], sh[1], seed++);
            assertArrayEquals(b[0], a[0], sh[0] + "x" + sh[1]);
            assertArrayEquals(b[1], a[1], sh[0] + "x" + sh[1]);
        }
        assertEquals(p.getClass(), ScanChannels.get().getClass());
    }
}
