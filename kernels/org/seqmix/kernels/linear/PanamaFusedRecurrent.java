package org.seqmix.kernels.linear;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.seqmix.kernels.VectorizationProvider;

/**
 * {@link FusedRecurrent} on {@code jdk.incubator.vector}: column tiles of four vectors; per tile the scaled v sits in
 * four registers and the read-out in four independent accumulators while the rows stream through (one load, one
 * store per state element). Loaded by name from {@link FusedRecurrent#panama()} only when the module is present.
 */
final class PanamaFusedRecurrent implements FusedRecurrent {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void token(float[] s, int so, int rows, int cols, float decay, float[] logDecay, int ldo, float[] work,
                      float[] k, int ko, float[] v, int vo, float vScale, float[] q, int qo, float qScale, float[] o, int oo) {
        // the row decays through VectorOps.exp: the same values in every JIT tier and in the scalar floor
        if (logDecay != null) VectorizationProvider.ops().exp(logDecay, ldo, work, 0, rows);
        int j = 0;
        for (; j + 4 * L <= cols; j += 4 * L) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, v, vo + j).mul(vScale);
            FloatVector v1 = FloatVector.fromArray(SPECIES, v, vo + j + L).mul(vScale);
            FloatVector v2 = FloatVector.fromArray(SPECIES, v, vo + j + 2 * L).mul(vScale);
            FloatVector v3 = FloatVector.fromArray(SPECIES, v, vo + j + 3 * L).mul(vScale);
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0, r = so + j; i < rows; i++, r += cols) {
                float d = logDecay == null ? decay : work[i];
                float ki = k[ko + i];
                FloatVector dv = FloatVector.broadcast(SPECIES, d), qv = FloatVector.broadcast(SPECIES, q[qo + i] * qScale);
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r).fma(dv, v0.mul(ki));
                FloatVector s1 = FloatVector.fromArray(SPECIES, s, r + L).fma(dv, v1.mul(ki));
                FloatVector s2 = FloatVector.fromArray(SPECIES, s, r + 2 * L).fma(dv, v2.mul(ki));
                FloatVector s3 = FloatVector.fromArray(SPECIES, s, r + 3 * L).fma(dv, v3.mul(ki));
                s0.intoArray(s, r);
                s1.intoArray(s, r + L);
                s2.intoArray(s, r + 2 * L);
                s3.intoArray(s, r + 3 * L);
                a0 = s0.fma(qv, a0);
                a1 = s1.fma(qv, a1);
                a2 = s2.fma(qv, a2);
                a3 = s3.fma(qv, a3);
            }
            a0.intoArray(o, oo + j);
            a1.intoArray(o, oo + j + L);
            a2.intoArray(o, oo + j + 2 * L);
            a3.intoArray(o, oo + j + 3 * L);
        }
        for (; j + L <= cols; j += L) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, v, vo + j).mul(vScale);
            FloatVector a0 = FloatVector.zero(SPECIES);
            for (int i = 0, r = so + j; i < rows; i++, r += cols) {
                float d = logDecay == null ? decay : work[i];
                FloatVector s0 = FloatVector.fromArray(SPECIES, s, r).fma(FloatVector.broadcast(SPECIES, d), v0.mul(k[ko + i]));
                s0.intoArray(s, r);
                a0 = s0.fma(FloatVector.broadcast(SPECIES, q[qo + i] * qScale), a0);
            }
            a0.intoArray(o, oo + j);
        }
        if (j < cols) {
            // the last cols % L columns, scalar
            java.util.Arrays.fill(o, oo + j, oo + cols, 0f);
            for (int i = 0; i < rows; i++) {
                float d = logDecay == null ? decay : work[i];
                float ki = k[ko + i], qi = q[qo + i] * qScale;
                int r = so + i * cols;
                for (int c = j; c < cols; c++) {
                    float x = Math.fma(s[r + c], d, ki * (vScale * v[vo + c]));
                    s[r + c] = x;
                    o[oo + c] = Math.fma(qi, x, o[oo + c]);
                }
            }
        }
    }
}
