package org.seqmix.kernels.mamba;

import org.seqmix.kernels.VectorizationProvider;

/**
 * One token of the Mamba-1 selective scan for a block of {@code w} channels whose state is kept transposed,
 * {@code s [N, w]} (row k at {@code k * w}), so the work is vectorised across channels with no horizontal sum:
 * <pre>
 *   s[k][c] = dA[k][c] s[k][c] + du[c] B[k]      dA = exp(delta' A) [N, w], computed by the caller through VectorOps
 *   y[c]    = sum_k s[k][c] C[k]
 * </pre>
 * with {@code du = delta' u} per channel. A scalar floor and a Panama implementation, loaded by
 * name only when the incubator module is present (as {@link SsdStepRows}). Allocation-free.
 */
public interface ScanChannels {
    void token(float[] s, int w, int n, float[] dA, float[] du, float[] b, int bo, float[] c, int co, float[] y);

    String name();

    static ScanChannels get() {
        return Holder.ACTIVE;
    }

    static ScanChannels scalar() {
        return new ScalarScanChannels();
    }

    /** The Panama implementation, or null when the module is absent. */
    static ScanChannels panama() {
        return VectorizationProvider.panama(ScanChannels.class, "org.seqmix.kernels.mamba.PanamaScanChannels");
    }

    final class Holder {
        static final ScanChannels ACTIVE = VectorizationProvider.kernel(ScanChannels.class, "org.seqmix.kernels.mamba.PanamaScanChannels", ScalarScanChannels::new);

        private Holder() {}
    }
}
