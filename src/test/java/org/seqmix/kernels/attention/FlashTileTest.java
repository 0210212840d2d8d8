package org.seqmix.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorizationProvider;

/** The SIMD flash tile against its scalar twin, and flash at head sizes and lengths that exercise every tail. */
class FlashTileTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Runs one query tile [i0, i0 + rows) against key tiles of nk keys from j = 0 through a tile implementation. */
    static float[] run(FlashTile tile, float[] q, float[] k, float[] v, int t, int ld, int d, int i0, int rows, int nk, float scale, AttentionMask mask) {
        float[] o = new float[rows * d];
        tile.begin(q, i0 * ld, ld, rows, scale);
        for (int j0 = 0; j0 < t; j0 += nk) {
            int n = Math.min(nk, t - j0);
            if (mask.anyVisible(i0, i0 + rows, j0, j0 + n)) tile.accumulate(k, j0 * ld, ld, v, j0 * ld, ld, i0, j0, n, mask);
        }
        tile.finish(o, 0, d);
        return o;
    }

    @Test
    void panamaTileMatchesScalarTwin() {
        assumeTrue(VectorizationProvider.vectorModulePresent(), "needs jdk.incubator.vector");
        List<AttentionMask> masks = List.of(AttentionMask.FULL, AttentionMask.CAUSAL, AttentionMask.sliding(7, 0),
                AttentionMask.sliding(40, 3), AttentionMask.sliding(1, 0), AttentionMask.sliding(100, 70));
        int[][] shapes = { // rows, keys per tile, d, t, i0
            {1, 1, 1, 5, 3}, {15, 5, 3, 40, 20}, {16, 16, 16, 64, 16}, {17, 63, 33, 200, 100}, {64, 64, 128, 256, 128},
            {100, 64, 72, 300, 150}, {128, 64, 128, 300, 170}, {128, 37, 5, 260, 0}, {70, 70, 17, 210, 140}};
        Rng r = new Rng(7);
        for (int[] s : shapes) {
            int rows = s[0], nk = s[1], d = s[2], t = s[3], i0 = s[4], ld = 2 * d;
            float[] q = r.normal(1f, t * ld).toArray(), k = r.normal(1f, t * ld).toArray(), v = r.normal(1f, t * ld).toArray();
            FlashTile simd = FlashTile.panama(rows, nk, d);
            FlashTile scalar = new OnlineSoftmaxTile(rows, nk, d);
            for (AttentionMask m : masks) {
                float[] a = run(simd, q, k, v, t, ld, d, i0, rows, nk, 0.3f, m);
                float[] b = run(scalar, q, k, v, t, ld, d, i0, rows, nk, 0.3f, m);
                double err = Tensor.relativeL2Error(Tensor.of(a, a.length), Tensor.of(b, b.length));
                assertTrue(err < 1e-5, () -> m + " " + java.util.Arrays.toString(s) + ": " + err);
                // rows that see no key are exactly zero in both
                for (int row = 0; row < rows; row++) {
                    boolean any = false;
                    for (int j = 0; j < t; j++) any |= m.visible(i0 + row, j);
                    if (!any) for (int c = 0; c < d; c++) assertTrue(a[row * d + c] == 0f && b[row * d + c] == 0f);
                }
            }
        }
    }

    @Test
    void flashMatchesTheDefinitionAtOddHeadSizesAndLengths() {
        // D not a multiple of 4 or 16, T not a multiple of the 128-row query tile or the 64-key tile
        int[][] shapes = {{1, 129, 2, 1, 33}, {1, 300, 2, 2, 72}, {2, 191, 4, 2, 128}, {1, 257, 1, 1, 5}};
        long seed = 40;
        for (int[] s : shapes) {
            Tensor[] x = Reference.qkv(seed++, s[0], s[1], s[2], s[3], s[4]);
            float scale = Attention.defaultScale(s[4]);
            for (AttentionMask m : List.of(AttentionMask.CAUSAL, AttentionMask.FULL, AttentionMask.sliding(50, 2))) {
                double e = Tensor.relativeL2Error(Attention.flash(x[0], x[1], x[2], scale, m), Reference.attention(x[0], x[1], x[2], scale, m));
                assertTrue(e < 2e-5, () -> m + " " + java.util.Arrays.toString(s) + ": " + e);
            }
        }
    }

    @Test
    void largeTilesBitIdenticalForAnyThreadCount() {
        Tensor[] x = Reference.qkv(50, 1, 333, 4, 2, 128);
        Parallel.setThreads(1);
        float[] f1 = Attention.flash(x[0], x[1], x[2], 0.1f, AttentionMask.CAUSAL).toArray();
        Parallel.setThreads(2);
        assertArrayEquals(f1, Attention.flash(x[0], x[1], x[2], 0.1f, AttentionMask.CAUSAL).toArray());
        assertArrayEquals(f1, Attention.flash(x[0], x[1], x[2], 0.1f, AttentionMask.CAUSAL).toArray(), "and again, tiles reused");
    }
}
