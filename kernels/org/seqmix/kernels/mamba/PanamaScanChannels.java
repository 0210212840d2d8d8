package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScanChannels} on {@code jdk.incubator.vector}: two channel vectors per pass over N (two independent update
 * + read-out chains), delta'·u held in registers. Same fma order as the scalar floor, so bit-identical to it.
 * Loaded by name only when the module is present.
 */
final class PanamaScanChannels implements ScanChannels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void token(float[] s, int w, int n, float[] dA, float[] du, float[] b, int bo, float[] c, int co, float[] y) {
        int j = 0;
        for (; j + 2 * L <= w; j += 2 * L) {
            FloatVector u0 = FloatVector.fromArray(SPECIES, du, j), u1 = FloatVector.fromArray(SPECIES, du, j + L);
            FloatVector y0 = FloatVector.zero(SPECIES), y1 = y0;
            for (int k = 0; k < n; k++) {
                int r = k * w + j;
                FloatVector bk = FloatVector.broadcast(SPECIES, b[bo + k]), ck = FloatVector.broadcast(SPECIES, c[co + k]);
                FloatVector s0 = FloatVector.fromArray(SPECIES, dA, r).fma(FloatVector.fromArray(SPECIES, s, r), u0.mul(bk));
                FloatVector s1 = FloatVector.fromArray(SPECIES, dA, r + L).fma(FloatVector.fromArray(SPECIES, s, r + L), u1.mul(bk));
                s0.intoArray(s, r);
                s1.intoArray(s, r + L);
                y0 = s0.fma(ck, y0);
                y1 = s1.fma(ck, y1);
            }
            y0.intoArray(y, j);
            y1.intoArray(y, j + L);
        }
        for (; j + L <= w; j += L) {
            FloatVector u0 = FloatVector.fromArray(SPECIES, du, j);
            FloatVector y0 = FloatVector.zero(SPECIES);
            for (int k = 0; k < n; k++) {
                int r = k * w + j;
                FloatVector s0 = FloatVector.fromArray(SPECIES, dA, r).fma(FloatVector.fromArray(SPECIES, s, r),
                        u0.mul(FloatVector.broadcast(SPECIES, b[bo + k])));
                s0.intoArray(s, r);
                y0 = s0.fma(FloatVector.broadcast(SPECIES, c[co + k]), y0);
            }
            y0.intoArray(y, j);
        }
        if (j < w) {
            // the last w % L channels, scalar
            java.util.Arrays.fill(y, j, w, 0f);
            for (int k = 0; k < n; k++) {
                float bk = b[bo + k], ck = c[co + k];
                int r = k * w;
                for (int q = j; q < w; q++) {
                    float v = Math.fma(dA[r + q], s[r + q], du[q] * bk);
                    s[r + q] = v;
                    y[q] = Math.fma(v, ck, y[q]);
                }
            }
        }
    }
}
