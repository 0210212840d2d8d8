package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SsdStepRows} on {@code jdk.incubator.vector}: two state rows per pass over N, two vectors of each per step,
 * so each vector of B and C serves two rows and four FMA read-out chains are independent. Four rows side by side
 * (the kernel until session 6) read the state in a more scattered order and were ~10% slower on Zen 3 (48 heads,
 * P = 64, N = 128: 68-80 vs 56-75 us per step, back to back); one row at a time loads B and C per row and was
 * slower still. Loaded by name from {@link SsdStepRows#panama()} only when the module is present.
 */
final class PanamaSsdStepRows implements SsdStepRows {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void update(float[] s, int so, int rows, int n, float dA, float dt, float[] x, int xo, float[] b, int bo, float[] c, int co,
                       float[] y, int yo) {
        int bound = SPECIES.loopBound(n);
        int p = 0;
        for (; p + 1 < rows; p += 2) {
            int r0 = so + p * n, r1 = r0 + n;
            float u0 = dt * x[xo + p], u1 = dt * x[xo + p + 1];
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, e0 = a0, e1 = a0;
            int k = 0;
            for (; k + 2 * L <= bound; k += 2 * L) {
                FloatVector bv = FloatVector.fromArray(SPECIES, b, bo + k), cv = FloatVector.fromArray(SPECIES, c, co + k);
                FloatVector bw = FloatVector.fromArray(SPECIES, b, bo + k + L), cw = FloatVector.fromArray(SPECIES, c, co + k + L);
                FloatVector v0 = FloatVector.fromArray(SPECIES, s, r0 + k).mul(dA).add(bv.mul(u0));
                FloatVector w0 = FloatVector.fromArray(SPECIES, s, r0 + k + L).mul(dA).add(bw.mul(u0));
                FloatVector v1 = FloatVector.fromArray(SPECIES, s, r1 + k).mul(dA).add(bv.mul(u1));
                FloatVector w1 = FloatVector.fromArray(SPECIES, s, r1 + k + L).mul(dA).add(bw.mul(u1));
                v0.intoArray(s, r0 + k);
                w0.intoArray(s, r0 + k + L);
                v1.intoArray(s, r1 + k);
                w1.intoArray(s, r1 + k + L);
                a0 = v0.fma(cv, a0);
                e0 = w0.fma(cw, e0);
                a1 = v1.fma(cv, a1);
                e1 = w1.fma(cw, e1);
            }
            a0 = a0.add(e0);
            a1 = a1.add(e1);
            for (; k < bound; k += L) {
                FloatVector bv = FloatVector.fromArray(SPECIES, b, bo + k), cv = FloatVector.fromArray(SPECIES, c, co + k);
                FloatVector v0 = FloatVector.fromArray(SPECIES, s, r0 + k).mul(dA).add(bv.mul(u0));
                FloatVector v1 = FloatVector.fromArray(SPECIES, s, r1 + k).mul(dA).add(bv.mul(u1));
                v0.intoArray(s, r0 + k);
                v1.intoArray(s, r1 + k);
                a0 = v0.fma(cv, a0);
                a1 = v1.fma(cv, a1);
            }
            float y0 = a0.reduceLanes(VectorOperators.ADD), y1 = a1.reduceLanes(VectorOperators.ADD);
            for (; k < n; k++) {
                float bk = b[bo + k], ck = c[co + k];
                float v0 = dA * s[r0 + k] + u0 * bk, v1 = dA * s[r1 + k] + u1 * bk;
                s[r0 + k] = v0;
                s[r1 + k] = v1;
                y0 += v0 * ck;
                y1 += v1 * ck;
            }
            y[yo + p] = y0;
            y[yo + p + 1] = y1;
        }
        for (; p < rows; p++) {
            int r0 = so + p * n;
            float u0 = dt * x[xo + p];
            FloatVector a0 = FloatVector.zero(SPECIES);
            int k = 0;
            for (; k < bound; k += L) {
                FloatVector v0 = FloatVector.fromArray(SPECIES, s, r0 + k).mul(dA).add(FloatVector.fromArray(SPECIES, b, bo + k).mul(u0));
                v0.intoArray(s, r0 + k);
                a0 = v0.fma(FloatVector.fromArray(SPECIES, c, co + k), a0);
            }
            float y0 = a0.reduceLanes(VectorOperators.ADD);
            for (; k < n; k++) {
                float v0 = dA * s[r0 + k] + u0 * b[bo + k];
                s[r0 + k] = v0;
                y0 += v0 * c[co + k];
            }
            y[yo + p] = y0;
        }
    }
}
