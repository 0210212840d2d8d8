package org.seqmix.kernels.deltarule;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled {@link DeltaStepKernel}: for each tile of 4 vectors along V, the accumulators stay in
 * registers while every state row of the tile is loaded once, transformed and stored: four independent FMA
 * chains in flight and no horizontal reduction. Loaded by name only when jdk.incubator.vector is present.
 */
final class PanamaDeltaStepKernel implements DeltaStepKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    @Override
    public void decayProject(float[] s, int so, int kd, int vd, float[] decay, int dOff, float d, float[] bk, int bkOff, float[] kv) {
        int j = 0;
        for (; j + 4 * L <= vd; j += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                float di = decay == null ? d : decay[dOff + i];
                FloatVector bi = FloatVector.broadcast(F, bk[bkOff + i]);
                FloatVector r0 = FloatVector.fromArray(F, s, r).mul(di);
                FloatVector r1 = FloatVector.fromArray(F, s, r + L).mul(di);
                FloatVector r2 = FloatVector.fromArray(F, s, r + 2 * L).mul(di);
                FloatVector r3 = FloatVector.fromArray(F, s, r + 3 * L).mul(di);
                r0.intoArray(s, r);
                r1.intoArray(s, r + L);
                r2.intoArray(s, r + 2 * L);
                r3.intoArray(s, r + 3 * L);
                a0 = r0.fma(bi, a0);
                a1 = r1.fma(bi, a1);
                a2 = r2.fma(bi, a2);
                a3 = r3.fma(bi, a3);
            }
            a0.intoArray(kv, j);
            a1.intoArray(kv, j + L);
            a2.intoArray(kv, j + 2 * L);
            a3.intoArray(kv, j + 3 * L);
        }
        for (; j + L <= vd; j += L) {
            FloatVector a0 = FloatVector.zero(F);
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                float di = decay == null ? d : decay[dOff + i];
                FloatVector r0 = FloatVector.fromArray(F, s, r).mul(di);
                r0.intoArray(s, r);
                a0 = r0.fma(FloatVector.broadcast(F, bk[bkOff + i]), a0);
            }
            a0.intoArray(kv, j);
        }
        for (; j < vd; j++) {
            float a = 0f;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                float x = s[r] * (decay == null ? d : decay[dOff + i]);
                s[r] = x;
                a = Math.fma(bk[bkOff + i], x, a);
            }
            kv[j] = a;
        }
    }

    @Override
    public void updateQuery(float[] s, int so, int kd, int vd, float[] k, int kOff, float[] u, float[] qs, int qsOff, float[] o, int oOff) {
        int j = 0;
        for (; j + 4 * L <= vd; j += 4 * L) {
            FloatVector u0 = FloatVector.fromArray(F, u, j), u1 = FloatVector.fromArray(F, u, j + L);
            FloatVector u2 = FloatVector.fromArray(F, u, j + 2 * L), u3 = FloatVector.fromArray(F, u, j + 3 * L);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                FloatVector ki = FloatVector.broadcast(F, k[kOff + i]);
                FloatVector qi = FloatVector.broadcast(F, qs[qsOff + i]);
                FloatVector r0 = u0.fma(ki, FloatVector.fromArray(F, s, r));
                FloatVector r1 = u1.fma(ki, FloatVector.fromArray(F, s, r + L));
                FloatVector r2 = u2.fma(ki, FloatVector.fromArray(F, s, r + 2 * L));
                FloatVector r3 = u3.fma(ki, FloatVector.fromArray(F, s, r + 3 * L));
                r0.intoArray(s, r);
                r1.intoArray(s, r + L);
                r2.intoArray(s, r + 2 * L);
                r3.intoArray(s, r + 3 * L);
                a0 = r0.fma(qi, a0);
                a1 = r1.fma(qi, a1);
                a2 = r2.fma(qi, a2);
                a3 = r3.fma(qi, a3);
            }
            a0.intoArray(o, oOff + j);
            a1.intoArray(o, oOff + j + L);
            a2.intoArray(o, oOff + j + 2 * L);
            a3.intoArray(o, oOff + j + 3 * L);
        }
        for (; j + L <= vd; j += L) {
            FloatVector u0 = FloatVector.fromArray(F, u, j);
            FloatVector a0 = FloatVector.zero(F);
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                FloatVector r0 = u0.fma(FloatVector.broadcast(F, k[kOff + i]), FloatVector.fromArray(F, s, r));
                r0.intoArray(s, r);
                a0 = r0.fma(FloatVector.broadcast(F, qs[qsOff + i]), a0);
            }
            a0.intoArray(o, oOff + j);
        }
        for (; j < vd; j++) {
            float a = 0f;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                float x = Math.fma(k[kOff + i], u[j], s[r]);
                s[r] = x;
                a = Math.fma(qs[qsOff + i], x, a);
            }
            o[oOff + j] = a;
        }
    }

    @Override
    public void updateQueryDecayProject(float[] s, int so, int kd, int vd, float[] k, int kOff, float[] u, float[] qs, int qsOff,
                                        float[] o, int oOff, float[] decay, int dOff, float d, float[] bk, int bkOff, float[] kv) {
        int j = 0;
        // 2-vector tiles: 2 state vectors, 2 u vectors and 4 accumulators (o, kv) stay in registers
        for (; j + 2 * L <= vd; j += 2 * L) {
            FloatVector u0 = FloatVector.fromArray(F, u, j), u1 = FloatVector.fromArray(F, u, j + L);
            FloatVector o0 = FloatVector.zero(F), o1 = o0, p0 = o0, p1 = o0;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                FloatVector ki = FloatVector.broadcast(F, k[kOff + i]);
                FloatVector qi = FloatVector.broadcast(F, qs[qsOff + i]);
                FloatVector bi = FloatVector.broadcast(F, bk[bkOff + i]);
                float di = decay == null ? d : decay[dOff + i];
                FloatVector r0 = u0.fma(ki, FloatVector.fromArray(F, s, r));
                FloatVector r1 = u1.fma(ki, FloatVector.fromArray(F, s, r + L));
                o0 = r0.fma(qi, o0);
                o1 = r1.fma(qi, o1);
                r0 = r0.mul(di);
                r1 = r1.mul(di);
                r0.intoArray(s, r);
                r1.intoArray(s, r + L);
                p0 = r0.fma(bi, p0);
                p1 = r1.fma(bi, p1);
            }
            o0.intoArray(o, oOff + j);
            o1.intoArray(o, oOff + j + L);
            p0.intoArray(kv, j);
            p1.intoArray(kv, j + L);
        }
        for (; j < vd; j++) {
            float a = 0f, b = 0f;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                float x = Math.fma(k[kOff + i], u[j], s[r]);
                a = Math.fma(qs[qsOff + i], x, a);
                x *= decay == null ? d : decay[dOff + i];
                s[r] = x;
                b = Math.fma(bk[bkOff + i], x, b);
            }
            o[oOff + j] = a;
            kv[j] = b;
        }
    }
}
