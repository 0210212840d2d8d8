package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SsdScanTokens} on {@code jdk.incubator.vector}. A full block of four tokens walks the state in column tiles
 * of two vectors: the tile's four x rows (8 registers) and four read-outs (8 accumulators) stay in registers while the
 * N state rows stream through, each loaded and stored once for the four tokens (16 FMAs per row and tile). Shorter
 * blocks go token by token on one-vector tiles; the last {@code w % L} columns run the scalar floor's loop (the same
 * FMAs in the same order). Loaded by name from {@link SsdScanTokens#panama()} only when the module is present.
 */
final class PanamaSsdScanTokens implements SsdScanTokens {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void tokens(float[] s, int n, int w, int nb, float[] b, int bo, int ldb, float[] q, int qo, int ldq, float[] x, int xo,
                       int ldx, float[] xScale, float[] yScale, float[] y, int yo) {
        int vw = w / L * L;
        if (nb == 4) block4(s, n, w, vw, b, bo, ldb, q, qo, ldq, x, xo, ldx, xScale, yScale, y, yo);
        else for (int j = 0; j < nb; j++) one(s, n, w, vw, b, bo + j * ldb, q, qo + j * ldq, x, xo + j * ldx, xScale[j], yScale[j], y, yo + j * ldx);
        if (vw < w) columns(s, n, w, vw, nb, b, bo, ldb, q, qo, ldq, x, xo, ldx, xScale, yScale, y, yo);
    }

    private static void block4(float[] s, int n, int w, int vw, float[] b, int bo, int ldb, float[] q, int qo, int ldq, float[] x, int xo,
                               int ldx, float[] xScale, float[] yScale, float[] y, int yo) {
        int b0 = bo, b1 = bo + ldb, b2 = bo + 2 * ldb, b3 = bo + 3 * ldb;
        float f0 = xScale[0], f1 = xScale[1], f2 = xScale[2], f3 = xScale[3];
        int q0 = qo, q1 = qo + ldq, q2 = qo + 2 * ldq, q3 = qo + 3 * ldq;
        int x0 = xo, x1 = xo + ldx, x2 = xo + 2 * ldx, x3 = xo + 3 * ldx;
        int c = 0;
        for (; c + 2 * L <= vw; c += 2 * L) {
            FloatVector u00 = FloatVector.fromArray(SPECIES, x, x0 + c).mul(f0), u01 = FloatVector.fromArray(SPECIES, x, x0 + c + L).mul(f0);
            FloatVector u10 = FloatVector.fromArray(SPECIES, x, x1 + c).mul(f1), u11 = FloatVector.fromArray(SPECIES, x, x1 + c + L).mul(f1);
            FloatVector u20 = FloatVector.fromArray(SPECIES, x, x2 + c).mul(f2), u21 = FloatVector.fromArray(SPECIES, x, x2 + c + L).mul(f2);
            FloatVector u30 = FloatVector.fromArray(SPECIES, x, x3 + c).mul(f3), u31 = FloatVector.fromArray(SPECIES, x, x3 + c + L).mul(f3);
            FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (int i = 0, r = c; i < n; i++, r += w) {
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r), s1 = FloatVector.fromArray(SPECIES, s, r + L);
                FloatVector kv = FloatVector.broadcast(SPECIES, b[b0 + i]), qv = FloatVector.broadcast(SPECIES, q[q0 + i]);
                s0 = u00.fma(kv, s0);
                s1 = u01.fma(kv, s1);
                a00 = s0.fma(qv, a00);
                a01 = s1.fma(qv, a01);
                kv = FloatVector.broadcast(SPECIES, b[b1 + i]);
                qv = FloatVector.broadcast(SPECIES, q[q1 + i]);
                s0 = u10.fma(kv, s0);
                s1 = u11.fma(kv, s1);
                a10 = s0.fma(qv, a10);
                a11 = s1.fma(qv, a11);
                kv = FloatVector.broadcast(SPECIES, b[b2 + i]);
                qv = FloatVector.broadcast(SPECIES, q[q2 + i]);
                s0 = u20.fma(kv, s0);
                s1 = u21.fma(kv, s1);
                a20 = s0.fma(qv, a20);
                a21 = s1.fma(qv, a21);
                kv = FloatVector.broadcast(SPECIES, b[b3 + i]);
                qv = FloatVector.broadcast(SPECIES, q[q3 + i]);
                s0 = u30.fma(kv, s0);
                s1 = u31.fma(kv, s1);
                a30 = s0.fma(qv, a30);
                a31 = s1.fma(qv, a31);
                s0.intoArray(s, r);
                s1.intoArray(s, r + L);
            }
            a00.mul(yScale[0]).intoArray(y, yo + c);
            a01.mul(yScale[0]).intoArray(y, yo + c + L);
            a10.mul(yScale[1]).intoArray(y, yo + ldx + c);
            a11.mul(yScale[1]).intoArray(y, yo + ldx + c + L);
            a20.mul(yScale[2]).intoArray(y, yo + 2 * ldx + c);
            a21.mul(yScale[2]).intoArray(y, yo + 2 * ldx + c + L);
            a30.mul(yScale[3]).intoArray(y, yo + 3 * ldx + c);
            a31.mul(yScale[3]).intoArray(y, yo + 3 * ldx + c + L);
        }
        for (; c < vw; c += L) {
            FloatVector u0 = FloatVector.fromArray(SPECIES, x, x0 + c).mul(f0), u1 = FloatVector.fromArray(SPECIES, x, x1 + c).mul(f1);
            FloatVector u2 = FloatVector.fromArray(SPECIES, x, x2 + c).mul(f2), u3 = FloatVector.fromArray(SPECIES, x, x3 + c).mul(f3);
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0, r = c; i < n; i++, r += w) {
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r);
                s0 = u0.fma(FloatVector.broadcast(SPECIES, b[b0 + i]), s0);
                a0 = s0.fma(FloatVector.broadcast(SPECIES, q[q0 + i]), a0);
                s0 = u1.fma(FloatVector.broadcast(SPECIES, b[b1 + i]), s0);
                a1 = s0.fma(FloatVector.broadcast(SPECIES, q[q1 + i]), a1);
                s0 = u2.fma(FloatVector.broadcast(SPECIES, b[b2 + i]), s0);
                a2 = s0.fma(FloatVector.broadcast(SPECIES, q[q2 + i]), a2);
                s0 = u3.fma(FloatVector.broadcast(SPECIES, b[b3 + i]), s0);
                a3 = s0.fma(FloatVector.broadcast(SPECIES, q[q3 + i]), a3);
                s0.intoArray(s, r);
            }
            a0.mul(yScale[0]).intoArray(y, yo + c);
            a1.mul(yScale[1]).intoArray(y, yo + ldx + c);
            a2.mul(yScale[2]).intoArray(y, yo + 2 * ldx + c);
            a3.mul(yScale[3]).intoArray(y, yo + 3 * ldx + c);
        }
    }

    /** Token j of a short block on one-vector tiles of the first vw columns. */
    private static void one(float[] s, int n, int w, int vw, float[] b, int bo, float[] q, int qo, float[] x, int xo,
                            float xScale, float yScale, float[] y, int yo) {
        for (int c = 0; c < vw; c += L) {
            FloatVector u = FloatVector.fromArray(SPECIES, x, xo + c).mul(xScale);
            FloatVector a = FloatVector.zero(SPECIES);
            for (int i = 0, r = c; i < n; i++, r += w) {
                FloatVector s0 = u.fma(FloatVector.broadcast(SPECIES, b[bo + i]), FloatVector.fromArray(SPECIES, s, r));
                a = s0.fma(FloatVector.broadcast(SPECIES, q[qo + i]), a);
                s0.intoArray(s, r);
            }
            a.mul(yScale).intoArray(y, yo + c);
        }
    }

    /** Columns vw .. w, scalar, in the floor's order. */
    private static void columns(float[] s, int n, int w, int vw, int nb, float[] b, int bo, int ldb, float[] q, int qo, int ldq,
                                float[] x, int xo, int ldx, float[] xScale, float[] yScale, float[] y, int yo) {
        for (int c = vw; c < w; c++) {
            for (int j = 0; j < nb; j++) y[yo + j * ldx + c] = 0f;
            for (int i = 0; i < n; i++) {
                float v = s[i * w + c];
                for (int j = 0; j < nb; j++) {
                    v = Math.fma(xScale[j] * x[xo + j * ldx + c], b[bo + j * ldb + i], v);
                    y[yo + j * ldx + c] = Math.fma(v, q[qo + j * ldq + i], y[yo + j * ldx + c]);
                }
                s[i * w + c] = v;
            }
            for (int j = 0; j < nb; j++) y[yo + j * ldx + c] *= yScale[j];
        }
    }
}
