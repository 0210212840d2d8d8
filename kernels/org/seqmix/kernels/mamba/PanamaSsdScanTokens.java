package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SsdScanTokens} on {@code jdk.incubator.vector}. A full block of four tokens walks the state in column tiles
 * of two vectors: the tile's four u rows (8 registers) and four read-outs (8 accumulators) stay in registers while the
 * N state rows stream through, each loaded and stored once for the four tokens (16 FMAs per row and tile). Shorter
 * blocks go token by token on one-vector tiles; the last {@code w % L} columns run the scalar floor's loop (the same
 * FMAs in the same order). Each hot loop is kept in a method of its own: a larger method exceeds C2's inlining
 * budget and leaves vector operations boxed (allocating). Loaded by name from {@link SsdScanTokens#panama()} only
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
        int vw = w / L * L, wide = vw / (2 * L) * (2 * L);
        if (nb == 4) {
            if (wide > 0) block4(s, n, w, wide, b, bo, ldb, q, qo, ldq, u, yScale, y, yo, ldy);
            if (wide < vw) block4Narrow(s, n, w, wide, vw, b, bo, ldb, q, qo, ldq, u, yScale, y, yo, ldy);
        } else {
            for (int j = 0; j < nb; j++) one(s, n, w, vw, b, bo + j * ldb, q, qo + j * ldq, u, j * w, yScale[j], y, yo + j * ldy);
        }
        if (vw < w) ScalarSsdScanTokens.columns(s, n, w, vw, w, nb, b, bo, ldb, q, qo, ldq, u, yScale, y, yo, ldy);
    }

    /** Four tokens on two-vector tiles, columns 0 .. wide. */
    private static void block4(float[] s, int n, int w, int wide, float[] b, int bo, int ldb, float[] q, int qo, int ldq, float[] u,
                               float[] yScale, float[] y, int yo, int ldy) {
        int b1 = bo + ldb, b2 = bo + 2 * ldb, b3 = bo + 3 * ldb;
        int q1 = qo + ldq, q2 = qo + 2 * ldq, q3 = qo + 3 * ldq;
        for (int c = 0; c < wide; c += 2 * L) {
            FloatVector u00 = FloatVector.fromArray(SPECIES, u, c), u01 = FloatVector.fromArray(SPECIES, u, c + L);
            FloatVector u10 = FloatVector.fromArray(SPECIES, u, w + c), u11 = FloatVector.fromArray(SPECIES, u, w + c + L);
            FloatVector u20 = FloatVector.fromArray(SPECIES, u, 2 * w + c), u21 = FloatVector.fromArray(SPECIES, u, 2 * w + c + L);
            FloatVector u30 = FloatVector.fromArray(SPECIES, u, 3 * w + c), u31 = FloatVector.fromArray(SPECIES, u, 3 * w + c + L);
            FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            int i = 0, r = c;
            // two rows per iteration: independent FMA chains for the out-of-order core (a row's 4 tokens are a chain)
            for (; i + 1 < n; i += 2, r += 2 * w) {
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r), s1 = FloatVector.fromArray(SPECIES, s, r + L);
                FloatVector kv = FloatVector.broadcast(SPECIES, b[bo + i]), qv = FloatVector.broadcast(SPECIES, q[qo + i]);
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
                FloatVector t0 = FloatVector.fromArray(SPECIES, s, r + w), t1 = FloatVector.fromArray(SPECIES, s, r + w + L);
                FloatVector kw = FloatVector.broadcast(SPECIES, b[bo + i + 1]), qw = FloatVector.broadcast(SPECIES, q[qo + i + 1]);
                t0 = u00.fma(kw, t0);
                t1 = u01.fma(kw, t1);
                a00 = t0.fma(qw, a00);
                a01 = t1.fma(qw, a01);
                kw = FloatVector.broadcast(SPECIES, b[b1 + i + 1]);
                qw = FloatVector.broadcast(SPECIES, q[q1 + i + 1]);
                t0 = u10.fma(kw, t0);
                t1 = u11.fma(kw, t1);
                a10 = t0.fma(qw, a10);
                a11 = t1.fma(qw, a11);
                kw = FloatVector.broadcast(SPECIES, b[b2 + i + 1]);
                qw = FloatVector.broadcast(SPECIES, q[q2 + i + 1]);
                t0 = u20.fma(kw, t0);
                t1 = u21.fma(kw, t1);
                a20 = t0.fma(qw, a20);
                a21 = t1.fma(qw, a21);
                kw = FloatVector.broadcast(SPECIES, b[b3 + i + 1]);
                qw = FloatVector.broadcast(SPECIES, q[q3 + i + 1]);
                t0 = u30.fma(kw, t0);
                t1 = u31.fma(kw, t1);
                a30 = t0.fma(qw, a30);
                a31 = t1.fma(qw, a31);
                t0.intoArray(s, r + w);
                t1.intoArray(s, r + w + L);
            }
            for (; i < n; i++, r += w) {
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r), s1 = FloatVector.fromArray(SPECIES, s, r + L);
                FloatVector kv = FloatVector.broadcast(SPECIES, b[bo + i]), qv = FloatVector.broadcast(SPECIES, q[qo + i]);
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
            a10.mul(yScale[1]).intoArray(y, yo + ldy + c);
            a11.mul(yScale[1]).intoArray(y, yo + ldy + c + L);
            a20.mul(yScale[2]).intoArray(y, yo + 2 * ldy + c);
            a21.mul(yScale[2]).intoArray(y, yo + 2 * ldy + c + L);
            a30.mul(yScale[3]).intoArray(y, yo + 3 * ldy + c);
            a31.mul(yScale[3]).intoArray(y, yo + 3 * ldy + c + L);
        }
    }

    /** Four tokens on one-vector tiles, columns c0 .. vw. */
    private static void block4Narrow(float[] s, int n, int w, int c0, int vw, float[] b, int bo, int ldb, float[] q, int qo, int ldq,
                                     float[] u, float[] yScale, float[] y, int yo, int ldy) {
        int b1 = bo + ldb, b2 = bo + 2 * ldb, b3 = bo + 3 * ldb;
        int q1 = qo + ldq, q2 = qo + 2 * ldq, q3 = qo + 3 * ldq;
        for (int c = c0; c < vw; c += L) {
            FloatVector u0 = FloatVector.fromArray(SPECIES, u, c), u1 = FloatVector.fromArray(SPECIES, u, w + c);
            FloatVector u2 = FloatVector.fromArray(SPECIES, u, 2 * w + c), u3 = FloatVector.fromArray(SPECIES, u, 3 * w + c);
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0, r = c; i < n; i++, r += w) {
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r);
                s0 = u0.fma(FloatVector.broadcast(SPECIES, b[bo + i]), s0);
                a0 = s0.fma(FloatVector.broadcast(SPECIES, q[qo + i]), a0);
                s0 = u1.fma(FloatVector.broadcast(SPECIES, b[b1 + i]), s0);
                a1 = s0.fma(FloatVector.broadcast(SPECIES, q[q1 + i]), a1);
                s0 = u2.fma(FloatVector.broadcast(SPECIES, b[b2 + i]), s0);
                a2 = s0.fma(FloatVector.broadcast(SPECIES, q[q2 + i]), a2);
                s0 = u3.fma(FloatVector.broadcast(SPECIES, b[b3 + i]), s0);
                a3 = s0.fma(FloatVector.broadcast(SPECIES, q[q3 + i]), a3);
                s0.intoArray(s, r);
            }
            a0.mul(yScale[0]).intoArray(y, yo + c);
            a1.mul(yScale[1]).intoArray(y, yo + ldy + c);
            a2.mul(yScale[2]).intoArray(y, yo + 2 * ldy + c);
            a3.mul(yScale[3]).intoArray(y, yo + 3 * ldy + c);
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
