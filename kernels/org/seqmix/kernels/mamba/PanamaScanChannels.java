package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScanChannels} on {@code jdk.incubator.vector}: two channel vectors per pass over N (two independent exp +
 * update + read-out chains), delta' and delta'·u held in registers. Loaded by name only when the module is present.
 */
final class PanamaScanChannels implements ScanChannels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void token(float[] s, int w, int n, float[] dl, float[] du, float[] at, int ato, int atStride, float[] b, int bo,
                      float[] c, int co, float[] y) {
        int j = 0;
        for (; j + 2 * L <= w; j += 2 * L) {
            FloatVector l0 = FloatVector.fromArray(SPECIES, dl, j), l1 = FloatVector.fromArray(SPECIES, dl, j + L);
            FloatVector u0 = FloatVector.fromArray(SPECIES, du, j), u1 = FloatVector.fromArray(SPECIES, du, j + L);
            FloatVector y0 = FloatVector.zero(SPECIES), y1 = y0;
            for (int k = 0; k < n; k++) {
                int a = ato + k * atStride + j, r = k * w + j;
                FloatVector bk = FloatVector.broadcast(SPECIES, b[bo + k]), ck = FloatVector.broadcast(SPECIES, c[co + k]);
                FloatVector e0 = l0.mul(FloatVector.fromArray(SPECIES, at, a)).lanewise(VectorOperators.EXP);
                FloatVector e1 = l1.mul(FloatVector.fromArray(SPECIES, at, a + L)).lanewise(VectorOperators.EXP);
                FloatVector s0 = e0.fma(FloatVector.fromArray(SPECIES, s, r), u0.mul(bk));
                FloatVector s1 = e1.fma(FloatVector.fromArray(SPECIES, s, r + L), u1.mul(bk));
                s0.intoArray(s, r);
                s1.intoArray(s, r + L);
                y0 = s0.fma(ck, y0);
                y1 = s1.fma(ck, y1);
            }
            y0.intoArray(y, j);
            y1.intoArray(y, j + L);
        }
        for (; j + L <= w; j += L) {
            FloatVector l0 = FloatVector.fromArray(SPECIES, dl, j), u0 = FloatVector.fromArray(SPECIES, du, j);
            FloatVector y0 = FloatVector.zero(SPECIES);
            for (int k = 0; k < n; k++) {
                int a = ato + k * atStride + j, r = k * w + j;
                FloatVector e0 = l0.mul(FloatVector.fromArray(SPECIES, at, a)).lanewise(VectorOperators.EXP);
                FloatVector s0 = e0.fma(FloatVector.fromArray(SPECIES, s, r), u0.mul(b[bo + k]));
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
                int a = ato + k * atStride, r = k * w;
                for (int q = j; q < w; q++) {
                    float v = Math.fma((float) Math.exp(dl[q] * at[a + q]), s[r + q], du[q] * bk);
                    s[r + q] = v;
                    y[q] = Math.fma(v, ck, y[q]);
                }
            }
        }
    }
}
