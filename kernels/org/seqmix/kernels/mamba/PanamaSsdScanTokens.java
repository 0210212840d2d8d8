package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SsdScanTokens} on {@code jdk.incubator.vector}. A full block of two tokens walks the state in column tiles
 * of four vectors: the tile's two u rows (8 registers) and two read-outs (8 accumulators) stay in registers while the
 * N state rows stream through, each loaded and stored once for the two tokens (16 FMAs and 4 broadcasts per row
 * and tile: four-vector tiles of two tokens ran at ~122 GFLOP/s on one thread against ~100 for two-vector tiles
 * of four tokens, whose 8 broadcasts per 16 FMAs compete with them for the vector ports). Leftover vectors take
 * one-vector tiles, single tokens go one by one, and the last {@code w % L} columns run the scalar floor's loop
 * (the same FMAs in the same order). Each hot loop is in a method of its own (a larger method can exceed C2's
 * inlining budget and leave vector operations boxed). Loaded by name from {@link SsdScanTokens#panama()} only
 * when the module is present.
 */
final class PanamaSsdScanTokens implements SsdScanTokens {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void tokens(float[] s, int n, int w, int nb, float[] b, int bo, int ldb, float[] q, int qo, int ldq, float[] u,
                       float[] yScale, float[] y, int yo, int ldy) {
        int vw = w / L * L, wide = w / (4 * L) * (4 * L);
        if (nb == 2) {
            if (wide > 0) block2(s, n, w, wide, b, bo, ldb, q, qo, ldq, u, yScale, y, yo, ldy);
            if (wide < vw) block2Narrow(s, n, w, wide, vw, b, bo, ldb, q, qo, ldq, u, yScale, y, yo, ldy);
        } else {
            for (int j = 0; j < nb; j++) one(s, n, w, vw, b, bo + j * ldb, q, qo + j * ldq, u, j * w, yScale[j], y, yo + j * ldy);
        }
        if (vw < w) ScalarSsdScanTokens.columns(s, n, w, vw, w, nb, b, bo, ldb, q, qo, ldq, u, yScale, y, yo, ldy);
    }

    /** Two tokens on four-vector tiles, columns 0 .. wide. */
    private static void block2(float[] s, int n, int w, int wide, float[] b, int bo, int ldb, float[] q, int qo, int ldq, float[] u,
                               float[] yScale, float[] y, int yo, int ldy) {
        int b1 = bo + ldb, q1 = qo + ldq;
        for (int c = 0; c < wide; c += 4 * L) {
            FloatVector u00 = FloatVector.fromArray(SPECIES, u, c), u01 = FloatVector.fromArray(SPECIES, u, c + L);
            FloatVector u02 = FloatVector.fromArray(SPECIES, u, c + 2 * L), u03 = FloatVector.fromArray(SPECIES, u, c + 3 * L);
            FloatVector u10 = FloatVector.fromArray(SPECIES, u, w + c), u11 = FloatVector.fromArray(SPECIES, u, w + c + L);
            FloatVector u12 = FloatVector.fromArray(SPECIES, u, w + c + 2 * L), u13 = FloatVector.fromArray(SPECIES, u, w + c + 3 * L);
            FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            for (int i = 0, r = c; i < n; i++, r += w) {
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r), s1 = FloatVector.fromArray(SPECIES, s, r + L);
                FloatVector s2 = FloatVector.fromArray(SPECIES, s, r + 2 * L), s3 = FloatVector.fromArray(SPECIES, s, r + 3 * L);
                FloatVector kv = FloatVector.broadcast(SPECIES, b[bo + i]), qv = FloatVector.broadcast(SPECIES, q[qo + i]);
                s0 = u00.fma(kv, s0);
                s1 = u01.fma(kv, s1);
                s2 = u02.fma(kv, s2);
                s3 = u03.fma(kv, s3);
                a00 = s0.fma(qv, a00);
                a01 = s1.fma(qv, a01);
                a02 = s2.fma(qv, a02);
                a03 = s3.fma(qv, a03);
                kv = FloatVector.broadcast(SPECIES, b[b1 + i]);
                qv = FloatVector.broadcast(SPECIES, q[q1 + i]);
                s0 = u10.fma(kv, s0);
                s1 = u11.fma(kv, s1);
                s2 = u12.fma(kv, s2);
                s3 = u13.fma(kv, s3);
                a10 = s0.fma(qv, a10);
                a11 = s1.fma(qv, a11);
                a12 = s2.fma(qv, a12);
                a13 = s3.fma(qv, a13);
                s0.intoArray(s, r);
                s1.intoArray(s, r + L);
                s2.intoArray(s, r + 2 * L);
                s3.intoArray(s, r + 3 * L);
            }
            float y0 = yScale[0], y1 = yScale[1];
            a00.mul(y0).intoArray(y, yo + c);
            a01.mul(y0).intoArray(y, yo + c + L);
            a02.mul(y0).intoArray(y, yo + c + 2 * L);
            a03.mul(y0).intoArray(y, yo + c + 3 * L);
            a10.mul(y1).intoArray(y, yo + ldy + c);
            a11.mul(y1).intoArray(y, yo + ldy + c + L);
            a12.mul(y1).intoArray(y, yo + ldy + c + 2 * L);
            a13.mul(y1).intoArray(y, yo + ldy + c + 3 * L);
        }
    }

    /** Two tokens on one-vector tiles, columns c0 .. vw. */
    private static void block2Narrow(float[] s, int n, int w, int c0, int vw, float[] b, int bo, int ldb, float[] q, int qo, int ldq,
                                     float[] u, float[] yScale, float[] y, int yo, int ldy) {
        int b1 = bo + ldb, q1 = qo + ldq;
        for (int c = c0; c < vw; c += L) {
            FloatVector u0 = FloatVector.fromArray(SPECIES, u, c), u1 = FloatVector.fromArray(SPECIES, u, w + c);
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0;
            for (int i = 0, r = c; i < n; i++, r += w) {
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r);
                s0 = u0.fma(FloatVector.broadcast(SPECIES, b[bo + i]), s0);
                a0 = s0.fma(FloatVector.broadcast(SPECIES, q[qo + i]), a0);
                s0 = u1.fma(FloatVector.broadcast(SPECIES, b[b1 + i]), s0);
                a1 = s0.fma(FloatVector.broadcast(SPECIES, q[q1 + i]), a1);
                s0.intoArray(s, r);
            }
            a0.mul(yScale[0]).intoArray(y, yo + c);
            a1.mul(yScale[1]).intoArray(y, yo + ldy + c);
        }
    }

    /** One token (u row at uo) on one-vector tiles of columns 0 .. vw. */
    private static void one(float[] s, int n, int w, int vw, float[] b, int bo, float[] q, int qo, float[] u, int uo,
                            float yScale, float[] y, int yo) {
        for (int c = 0; c < vw; c += L) {
            FloatVector uv = FloatVector.fromArray(SPECIES, u, uo + c);
            FloatVector a = FloatVector.zero(SPECIES);
            for (int i = 0, r = c; i < n; i++, r += w) {
                FloatVector s0 = uv.fma(FloatVector.broadcast(SPECIES, b[bo + i]), FloatVector.fromArray(SPECIES, s, r));
                a = s0.fma(FloatVector.broadcast(SPECIES, q[qo + i]), a);
                s0.intoArray(s, r);
            }
            a.mul(yScale).intoArray(y, yo + c);
        }
    }
}
