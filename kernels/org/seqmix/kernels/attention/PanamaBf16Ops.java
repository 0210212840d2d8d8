package org.seqmix.kernels.attention;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Bf16Ops} on {@code jdk.incubator.vector}: load a half-width vector of shorts, widen to ints, shift into
 * the upper half and reinterpret as floats. Loaded only by name (see {@link Bf16Ops#get}).
 */
final class PanamaBf16Ops implements Bf16Ops {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    private static FloatVector load(short[] x, int off) {
        IntVector wide = (IntVector) ShortVector.fromArray(S, x, off).convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    public float dot(float[] q, int qo, short[] k, int ko, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += F.length()) acc = FloatVector.fromArray(F, q, qo + i).fma(load(k, ko + i), acc);
        float s = org.seqmix.kernels.PanamaLanes.sum(acc);
        for (; i < n; i++) s += q[qo + i] * Bf16Ops.toFloat(k[ko + i]);
        return s;
    }

    @Override
    public void axpy(float alpha, short[] x, int xo, float[] y, int yo, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            load(x, xo + i).fma(a, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * Bf16Ops.toFloat(x[xo + i]);
    }
}
