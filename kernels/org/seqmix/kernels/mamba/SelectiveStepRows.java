package org.seqmix.kernels.mamba;

import org.seqmix.kernels.VectorizationProvider;

/**
 * The inner loop of the Mamba-1 step for a block of channels, fused, in the state's own layout {@code [w, N]}
 * (row c at {@code so + c * n}):
 * <pre>
 *   s[c] = dA[c] ∘ s[c] + du[c] B      dA = exp(delta' A) [w, N], computed by the caller through VectorOps
 *   y[c] = s[c] · C
 * </pre>
 * A scalar floor and a Panama implementation (loaded by name only when the incubator module is present, as
 * {@link SsdStepRows}). Allocation-free.
 */
public interface SelectiveStepRows {
    /** {@code dA} row c at {@code c * n}, {@code du[c]}, B at {@code bo}, C at {@code co}; {@code y[yo + c]} receives the read-out. */
    void rows(float[] s, int so, int w, int n, float[] dA, float[] du, float[] b, int bo, float[] c, int co, float[] y, int yo);

    /** Name for logs and tests. */
    String name();

    /** The implementation in use: Panama when the module is present and {@code -Dseqmix.vectorization=scalar} is not set. */
    static SelectiveStepRows get() {
        return Holder.ACTIVE;
    }

    /** The scalar floor, for tests. */
    static SelectiveStepRows scalar() {
        return new ScalarSelectiveStepRows();
    }

    /** The Panama implementation, or null when the module is absent. */
    static SelectiveStepRows panama() {
        return VectorizationProvider.panama(SelectiveStepRows.class, "org.seqmix.kernels.mamba.PanamaSelectiveStepRows");
    }

    final class Holder {
        static final SelectiveStepRows ACTIVE = VectorizationProvider.kernel(SelectiveStepRows.class,
                "org.seqmix.kernels.mamba.PanamaSelectiveStepRows", ScalarSelectiveStepRows::new);

        private Holder() {}
    }
}
