package org.seqmix.kernels.mamba;

import org.seqmix.kernels.VectorizationProvider;

/**
 * The inner loop of the Mamba-2 step for one head, fused: for each row p of the state {@code [P, N]},
 * {@code S[p] = dA S[p] + (dt x[p]) B} and {@code y[p] = S[p]·C} in one pass over N, several rows in flight
 * (B and C are loaded once per group of rows). A scalar implementation and a Panama one (loaded by name only when
 * the incubator module is present, so the jar runs without it).
 */
public interface SsdStepRows {
    /**
     * @param s state rows, row p at {@code so + p * n}
     * @param y receives {@code S[p]·C} at {@code yo + p}
     */
    void update(float[] s, int so, int rows, int n, float dA, float dt, float[] x, int xo, float[] b, int bo, float[] c, int co,
                float[] y, int yo);

    /** Name for logs and tests. */
    String name();

    /** The implementation in use: Panama when the module is present and {@code -Dseqmix.vectorization=scalar} is not set. */
    static SsdStepRows get() {
        return Holder.ACTIVE;
    }

    /** The scalar floor, for tests. */
    static SsdStepRows scalar() {
        return new ScalarSsdStepRows();
    }

    /** The Panama implementation, or null when the module is absent. */
    static SsdStepRows panama() {
        return VectorizationProvider.panama(SsdStepRows.class, "org.seqmix.kernels.mamba.PanamaSsdStepRows");
    }

    final class Holder {
        static final SsdStepRows ACTIVE = VectorizationProvider.kernel(SsdStepRows.class, "org.seqmix.kernels.mamba.PanamaSsdStepRows", ScalarSsdStepRows::new);

        private Holder() {}
    }
}
