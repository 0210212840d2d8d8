package org.seqmix.kernels.deltarule;

import org.seqmix.kernels.VectorizationProvider;

/**
 * The two fused passes of one delta-rule token over a key-major state {@code S [K, V]} (row i = key channel i).
 * Both stream the rows once and accumulate a V-vector (no horizontal sum), so a V-tile's accumulators stay in
 * registers while the rows go by. Implementations: {@link OpsDeltaStepKernel} (VectorOps calls, any JVM) and
 * {@code PanamaDeltaStepKernel} (register-tiled, loaded only when jdk.incubator.vector is present).
 */
interface DeltaStepKernel {
    /** {@code S_i *= (decay == null ? d : decay[dOff+i])}; then {@code kv = Σ_i bk[bkOff+i] S_i} (kv overwritten). */
    void decayProject(float[] s, int so, int kd, int vd, float[] decay, int dOff, float d, float[] bk, int bkOff, float[] kv);

    /** {@code S_i += k[kOff+i] u}; then {@code o[oOff..] = Σ_i qs[qsOff+i] S_i} (o overwritten). */
    void updateQuery(float[] s, int so, int kd, int vd, float[] k, int kOff, float[] u, float[] qs, int qsOff, float[] o, int oOff);

    /**
     * {@link #updateQuery} of one token fused with {@link #decayProject} of the next, in one pass over the rows:
     * {@code S_i += k_i u; o += qs_i S_i; S_i *= decay_i; kv += bk_i S_i} (o and kv overwritten).
     */
    void updateQueryDecayProject(float[] s, int so, int kd, int vd, float[] k, int kOff, float[] u, float[] qs, int qsOff,
                                 float[] o, int oOff, float[] decay, int dOff, float d, float[] bk, int bkOff, float[] kv);

    /** Panama when the vector module is present (and -Dseqmix.vectorization=scalar is not set), else the VectorOps one. */
    static DeltaStepKernel best() {
        return Holder.BEST;
    }

    /** The portable implementation (tests compare it with {@link #best()}). */
    static DeltaStepKernel portable() {
        return new OpsDeltaStepKernel();
    }

    final class Holder {
        static final DeltaStepKernel BEST = choose();

        private static DeltaStepKernel choose() {
            if (VectorizationProvider.vectorModulePresent() && !"scalar".equals(System.getProperty("seqmix.vectorization"))) {
                try {
                    return (DeltaStepKernel) Class.forName("org.seqmix.kernels.deltarule.PanamaDeltaStepKernel")
                            .getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException | LinkageError e) {
                    // fall through to the portable kernel
                }
            }
            return new OpsDeltaStepKernel();
        }

        private Holder() {}
    }
}
