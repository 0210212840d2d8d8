package org.seqmix.kernels.mamba;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SsdScanTokens} on {@code jdk.incubator.vector}. The state is walked in tiles of 4 rows by 2 vectors (16
 * columns on AVX2) held in 8 registers for the whole block of tokens: per token the tile takes 2 u vectors, 4 B
 * and 4 C broadcasts and 16 FMAs, and adds its 4 rows' share of the read-out to a scratch row (the y of a column is
 * summed over the row tiles in ascending order, as the scalar floor sums it). State traffic is one load and store
 * per block instead of per token, and the loop has 14 live vectors, none spilled. B and C are read in place from
 * the caller's tensors (per-head copies of their rows cost ~14% on Zen 4, session 9). One-JVM A/B on Zen 3 (48
 * heads, P = 64, N = 128, 512 tokens, 1 thread) against the previous kernel (4-vector tiles of 2 tokens streaming the state, 22 live
 * vectors): 10-20% less time. Leftover rows go one at a time, a leftover vector of columns takes 4-row by 1-vector
 * tiles, and the last {@code w % L} columns run the scalar floor's loop. Loaded by name from
 * {@link SsdScanTokens#panama()} only when the module is present.
 */
final class PanamaSsdScanTokens implements SsdScanTokens {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void tokens(float[] s, int n, int w, int nb, float[] bm, float[] cm, int bo, int ldb, float[] u, float[] yScale, float[] y, int yo, int ldy) {
        int vw = w / L * L, v2 = w / (2 * L) * (2 * L), a = nb * w;
        // With whole 4-row tiles, the 2-vector tiles start their columns' y from zero and write y (scaled) themselves:
        // no zeroed scratch and no separate pass, whose stores to y's rows (H·P floats apart) stalled on their misses.
        boolean direct = n % 4 == 0;
        int c0 = direct ? v2 : 0;
        if (c0 < w) Arrays.fill(u, a, 2 * a, 0f);
        int c = 0;
        boolean eight = direct && L == 16 && n % 8 == 0;
        for (; c < v2; c += 2 * L) {
            if (eight) tile8(s, n, w, c, nb, bm, cm, bo, ldb, u, a, yScale, y, yo, ldy);
            else tile2(s, n, w, c, nb, bm, cm, bo, ldb, u, a, direct ? yScale : null, y, yo, ldy);
        }
        for (; c < vw; c += L) tile1(s, n, w, c, nb, bm, cm, bo, ldb, u, a);
        for (int j = 0; j < nb; j++) {
            FloatVector f = FloatVector.broadcast(F, yScale[j]);
            for (int x = c0; x < vw; x += L) FloatVector.fromArray(F, u, a + j * w + x).mul(f).intoArray(y, yo + j * ldy + x);
        }
        if (vw < w) ScalarSsdScanTokens.columns(s, n, w, vw, w, nb, bm, cm, bo, ldb, u, yScale, y, yo, ldy);
    }

    /**
     * Columns [c, c + 2L): rows four at a time in registers for all nb tokens, then the leftover rows. {@code ys}
     * non-null (N a multiple of 4): the first row tile starts y from zero (as the scratch would hold) and the last
     * stores {@code ys[j] · y} into y, the scalar floor's operations in its order.
     */
    private static void tile2(float[] s, int n, int w, int c, int nb, float[] bm, float[] cm, int bo, int ldb, float[] u, int a,
                              float[] ys, float[] y, int yo, int ldy) {
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int r0 = i * w + c, r1 = r0 + w, r2 = r1 + w, r3 = r2 + w;
            FloatVector s00 = FloatVector.fromArray(F, s, r0), s01 = FloatVector.fromArray(F, s, r0 + L);
            FloatVector s10 = FloatVector.fromArray(F, s, r1), s11 = FloatVector.fromArray(F, s, r1 + L);
            FloatVector s20 = FloatVector.fromArray(F, s, r2), s21 = FloatVector.fromArray(F, s, r2 + L);
            FloatVector s30 = FloatVector.fromArray(F, s, r3), s31 = FloatVector.fromArray(F, s, r3 + L);
            boolean first = ys != null && i == 0, last = ys != null && i + 4 == n;
            for (int j = 0, b = bo + i, uj = c; j < nb; j++, b += ldb, uj += w) {
                FloatVector u0 = FloatVector.fromArray(F, u, uj), u1 = FloatVector.fromArray(F, u, uj + L);
                FloatVector x = FloatVector.broadcast(F, bm[b]);
                s00 = u0.fma(x, s00);
                s01 = u1.fma(x, s01);
                x = FloatVector.broadcast(F, bm[b + 1]);
                s10 = u0.fma(x, s10);
                s11 = u1.fma(x, s11);
                x = FloatVector.broadcast(F, bm[b + 2]);
                s20 = u0.fma(x, s20);
                s21 = u1.fma(x, s21);
                x = FloatVector.broadcast(F, bm[b + 3]);
                s30 = u0.fma(x, s30);
                s31 = u1.fma(x, s31);
                FloatVector y0 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, u, a + uj);
                FloatVector y1 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, u, a + uj + L);
                x = FloatVector.broadcast(F, cm[b]);
                y0 = s00.fma(x, y0);
                y1 = s01.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 1]);
                y0 = s10.fma(x, y0);
                y1 = s11.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 2]);
                y0 = s20.fma(x, y0);
                y1 = s21.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 3]);
                y0 = s30.fma(x, y0);
                y1 = s31.fma(x, y1);
                if (last) {
                    x = FloatVector.broadcast(F, ys[j]);
                    y0.mul(x).intoArray(y, yo + j * ldy + c);
                    y1.mul(x).intoArray(y, yo + j * ldy + c + L);
                } else {
                    y0.intoArray(u, a + uj);
                    y1.intoArray(u, a + uj + L);
                }
            }
            s00.intoArray(s, r0);
            s01.intoArray(s, r0 + L);
            s10.intoArray(s, r1);
            s11.intoArray(s, r1 + L);
            s20.intoArray(s, r2);
            s21.intoArray(s, r2 + L);
            s30.intoArray(s, r3);
            s31.intoArray(s, r3 + L);
        }
        for (; i < n; i++) {
            row(s, n, w, c, i, nb, bm, cm, bo, ldb, u, a);
            row(s, n, w, c + L, i, nb, bm, cm, bo, ldb, u, a);
        }
    }

    /**
     * Columns [c, c + 2L) of a state whose N is a multiple of 8, with AVX-512's 32 registers: rows eight at a time
     * (16 state vectors live), first and last row tile as in {@link #tile2}. Per token: 32 FMAs for 2 u loads and
     * 2 y loads and stores (the 4-row tile: 16 for the same). The scalar floor's operations in its order.
     */
    private static void tile8(float[] s, int n, int w, int c, int nb, float[] bm, float[] cm, int bo, int ldb, float[] u, int a,
                              float[] ys, float[] y, int yo, int ldy) {
        for (int i = 0; i < n; i += 8) {
            int r = i * w + c;
            FloatVector s00 = FloatVector.fromArray(F, s, r), s01 = FloatVector.fromArray(F, s, r + L);
            FloatVector s10 = FloatVector.fromArray(F, s, r + w), s11 = FloatVector.fromArray(F, s, r + w + L);
            FloatVector s20 = FloatVector.fromArray(F, s, r + 2 * w), s21 = FloatVector.fromArray(F, s, r + 2 * w + L);
            FloatVector s30 = FloatVector.fromArray(F, s, r + 3 * w), s31 = FloatVector.fromArray(F, s, r + 3 * w + L);
            FloatVector s40 = FloatVector.fromArray(F, s, r + 4 * w), s41 = FloatVector.fromArray(F, s, r + 4 * w + L);
            FloatVector s50 = FloatVector.fromArray(F, s, r + 5 * w), s51 = FloatVector.fromArray(F, s, r + 5 * w + L);
            FloatVector s60 = FloatVector.fromArray(F, s, r + 6 * w), s61 = FloatVector.fromArray(F, s, r + 6 * w + L);
            FloatVector s70 = FloatVector.fromArray(F, s, r + 7 * w), s71 = FloatVector.fromArray(F, s, r + 7 * w + L);
            boolean first = i == 0, last = i + 8 == n;
            for (int j = 0, b = bo + i, uj = c; j < nb; j++, b += ldb, uj += w) {
                FloatVector u0 = FloatVector.fromArray(F, u, uj), u1 = FloatVector.fromArray(F, u, uj + L);
                FloatVector x;
                x = FloatVector.broadcast(F, bm[b]);
                s00 = u0.fma(x, s00);
                s01 = u1.fma(x, s01);
                x = FloatVector.broadcast(F, bm[b + 1]);
                s10 = u0.fma(x, s10);
                s11 = u1.fma(x, s11);
                x = FloatVector.broadcast(F, bm[b + 2]);
                s20 = u0.fma(x, s20);
                s21 = u1.fma(x, s21);
                x = FloatVector.broadcast(F, bm[b + 3]);
                s30 = u0.fma(x, s30);
                s31 = u1.fma(x, s31);
                x = FloatVector.broadcast(F, bm[b + 4]);
                s40 = u0.fma(x, s40);
                s41 = u1.fma(x, s41);
                x = FloatVector.broadcast(F, bm[b + 5]);
                s50 = u0.fma(x, s50);
                s51 = u1.fma(x, s51);
                x = FloatVector.broadcast(F, bm[b + 6]);
                s60 = u0.fma(x, s60);
                s61 = u1.fma(x, s61);
                x = FloatVector.broadcast(F, bm[b + 7]);
                s70 = u0.fma(x, s70);
                s71 = u1.fma(x, s71);
                FloatVector y0 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, u, a + uj);
                FloatVector y1 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, u, a + uj + L);
                x = FloatVector.broadcast(F, cm[b]);
                y0 = s00.fma(x, y0);
                y1 = s01.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 1]);
                y0 = s10.fma(x, y0);
                y1 = s11.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 2]);
                y0 = s20.fma(x, y0);
                y1 = s21.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 3]);
                y0 = s30.fma(x, y0);
                y1 = s31.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 4]);
                y0 = s40.fma(x, y0);
                y1 = s41.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 5]);
                y0 = s50.fma(x, y0);
                y1 = s51.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 6]);
                y0 = s60.fma(x, y0);
                y1 = s61.fma(x, y1);
                x = FloatVector.broadcast(F, cm[b + 7]);
                y0 = s70.fma(x, y0);
                y1 = s71.fma(x, y1);
                if (last) {
                    x = FloatVector.broadcast(F, ys[j]);
                    y0.mul(x).intoArray(y, yo + j * ldy + c);
                    y1.mul(x).intoArray(y, yo + j * ldy + c + L);
                } else {
                    y0.intoArray(u, a + uj);
                    y1.intoArray(u, a + uj + L);
                }
            }
            s00.intoArray(s, r);
            s01.intoArray(s, r + L);
            s10.intoArray(s, r + w);
            s11.intoArray(s, r + w + L);
            s20.intoArray(s, r + 2 * w);
            s21.intoArray(s, r + 2 * w + L);
            s30.intoArray(s, r + 3 * w);
            s31.intoArray(s, r + 3 * w + L);
            s40.intoArray(s, r + 4 * w);
            s41.intoArray(s, r + 4 * w + L);
            s50.intoArray(s, r + 5 * w);
            s51.intoArray(s, r + 5 * w + L);
            s60.intoArray(s, r + 6 * w);
            s61.intoArray(s, r + 6 * w + L);
            s70.intoArray(s, r + 7 * w);
            s71.intoArray(s, r + 7 * w + L);
        }
    }

    /** Columns [c, c + L), as {@link #tile2}. */
    private static void tile1(float[] s, int n, int w, int c, int nb, float[] bm, float[] cm, int bo, int ldb, float[] u, int a) {
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int r0 = i * w + c, r1 = r0 + w, r2 = r1 + w, r3 = r2 + w;
            FloatVector s0 = FloatVector.fromArray(F, s, r0), s1 = FloatVector.fromArray(F, s, r1);
            FloatVector s2 = FloatVector.fromArray(F, s, r2), s3 = FloatVector.fromArray(F, s, r3);
            for (int j = 0, b = bo + i, uj = c; j < nb; j++, b += ldb, uj += w) {
                FloatVector u0 = FloatVector.fromArray(F, u, uj);
                s0 = u0.fma(FloatVector.broadcast(F, bm[b]), s0);
                s1 = u0.fma(FloatVector.broadcast(F, bm[b + 1]), s1);
                s2 = u0.fma(FloatVector.broadcast(F, bm[b + 2]), s2);
                s3 = u0.fma(FloatVector.broadcast(F, bm[b + 3]), s3);
                FloatVector y0 = s0.fma(FloatVector.broadcast(F, cm[b]), FloatVector.fromArray(F, u, a + uj));
                y0 = s1.fma(FloatVector.broadcast(F, cm[b + 1]), y0);
                y0 = s2.fma(FloatVector.broadcast(F, cm[b + 2]), y0);
                s3.fma(FloatVector.broadcast(F, cm[b + 3]), y0).intoArray(u, a + uj);
            }
            s0.intoArray(s, r0);
            s1.intoArray(s, r1);
            s2.intoArray(s, r2);
            s3.intoArray(s, r3);
        }
        for (; i < n; i++) row(s, n, w, c, i, nb, bm, cm, bo, ldb, u, a);
    }

    /** Row i, columns [c, c + L), all nb tokens. */
    private static void row(float[] s, int n, int w, int c, int i, int nb, float[] bm, float[] cm, int bo, int ldb, float[] u, int a) {
        int r = i * w + c;
        FloatVector v = FloatVector.fromArray(F, s, r);
        for (int j = 0, b = bo + i, uj = c; j < nb; j++, b += ldb, uj += w) {
            v = FloatVector.fromArray(F, u, uj).fma(FloatVector.broadcast(F, bm[b]), v);
            v.fma(FloatVector.broadcast(F, cm[b]), FloatVector.fromArray(F, u, a + uj)).intoArray(u, a + uj);
        }
        v.intoArray(s, r);
    }
}
