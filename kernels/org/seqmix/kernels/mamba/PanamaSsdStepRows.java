package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SsdStepRows} on {@code jdk.incubator.vector}: four state rows per pass over N, so each vector of B and C
 * is loaded once for four fused decay + update + dot chains (four independent FMA accumulators); the decay and
 * update are one FMA, {@code fma(S, dA, u B)} (3 vector FP ops per state vector instead of 4: 3-4% per step in an
 * A/B in one JVM on Zen 3; the scalar floor rounds dA S and u B separately, within the tests' 1e-5). Four rows side
 * by side beat two (45 vs 62 us per 48-head step, same A/B). Loaded by name
 * from {@link SsdStepRows#panama()} only when the module is present.
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
        FloatVector dAv = FloatVector.broadcast(SPECIES, dA);
        int p = 0;
        for (; p + 3 < rows; p += 4) {
            int r0 = so + p * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
            float u0 = dt * x[xo + p], u1 = dt * x[xo + p + 1], u2 = dt * x[xo + p + 2], u3 = dt * x[xo + p + 3];
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
            int k = 0;
            for (; k < bound; k += L) {
                FloatVector bv = FloatVector.fromArray(SPECIES, b, bo + k), cv = FloatVector.fromArray(SPECIES, c, co + k);
                FloatVector v0 = FloatVector.fromArray(SPECIES, s, r0 + k).fma(dAv, bv.mul(u0));
                FloatVector v1 = FloatVector.fromArray(SPECIES, s, r1 + k).fma(dAv, bv.mul(u1));
                FloatVector v2 = FloatVector.fromArray(SPECIES, s, r2 + k).fma(dAv, bv.mul(u2));
                FloatVector v3 = FloatVector.fromArray(SPECIES, s, r3 + k).fma(dAv, bv.mul(u3));
                v0.intoArray(s, r0 + k);
                v1.intoArray(s, r1 + k);
                v2.intoArray(s, r2 + k);
                v3.intoArray(s, r3 + k);
                a0 = v0.fma(cv, a0);
                a1 = v1.fma(cv, a1);
                a2 = v2.fma(cv, a2);
                a3 = v3.fma(cv, a3);
            }
            float y0 = a0.reduceLanes(VectorOperators.ADD), y1 = a1.reduceLanes(VectorOperators.ADD);
            float y2 = a2.reduceLanes(VectorOperators.ADD), y3 = a3.reduceLanes(VectorOperators.ADD);
            for (; k < n; k++) {
                float bk = b[bo + k], ck = c[co + k];
                float v0 = dA * s[r0 + k] + u0 * bk, v1 = dA * s[r1 + k] + u1 * bk;
                float v2 = dA * s[r2 + k] + u2 * bk, v3 = dA * s[r3 + k] + u3 * bk;
                s[r0 + k] = v0;
                s[r1 + k] = v1;
                s[r2 + k] = v2;
                s[r3 + k] = v3;
                y0 += v0 * ck;
                y1 += v1 * ck;
                y2 += v2 * ck;
                y3 += v3 * ck;
            }
            y[yo + p] = y0;
            y[yo + p + 1] = y1;
            y[yo + p + 2] = y2;
            y[yo + p + 3] = y3;
        }
        for (; p < rows; p++) {
            int r0 = so + p * n;
            float u0 = dt * x[xo + p];
            FloatVector a0 = FloatVector.zero(SPECIES);
            int k = 0;
            for (; k < bound; k += L) {
                FloatVector v0 = FloatVector.fromArray(SPECIES, s, r0 + k).fma(dAv, FloatVector.fromArray(SPECIES, b, bo + k).mul(u0));
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
