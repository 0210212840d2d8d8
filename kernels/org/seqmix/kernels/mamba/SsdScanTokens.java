package org.seqmix.kernels.mamba;

import org.seqmix.kernels.VectorizationProvider;

/**
 * A block of tokens of the Mamba-2 recurrence on one head's state tile, held transposed ({@code Sᵀ [N, w]}, row i
 * at {@code i * w}) and rescaled: the caller keeps {@code S = D · s} with a running decay {@code D} and folds the
 * decay and the time step into the inputs ({@code u_j = dt'_j x_j / D_j}), so each token costs two FMAs per state
 * element (update and read-out) and no multiply:
 * <pre>
 *   for j &lt; nb:  s[i] += B_j[i] · u_j      (every row i)
 *                y_j  = yScale[j] · Σ_i C_j[i] s[i]       yScale[j] = D_j
 * </pre>
 * with {@code B_j} at {@code b[bo + j * ldb ..]} and {@code C_j} at {@code c[bo + j * ldb ..]} (read where the caller's
 * B and C tensors hold them: the rows of consecutive tokens are {@code G·N} floats apart), {@code u_j} at
 * {@code u[j * w ..]}, and {@code y_j} at {@code yo + j * ldy}
 * ({@code w} columns each). {@code u} has {@code 2 * nb * w} floats: the second half is the kernel's scratch. The
 * Panama kernel keeps a 4-row by 2-vector tile of the state in registers for the whole block (loaded and stored
 * once per block, not once per token); the scalar floor does the same operations in the same order (each y summed
 * over i in ascending order), so the two agree bit for bit. Allocation-free.
 */
public interface SsdScanTokens {
    /** Tokens per block (nb is at most this). */
    int BLOCK = 32;

    void tokens(float[] s, int n, int w, int nb, float[] b, float[] c, int bo, int ldb, float[] u, float[] yScale, float[] y, int yo, int ldy);

    /** Name for logs and tests. */
    String name();

    /** The implementation in use: Panama when the module is present and {@code -Dseqmix.vectorization=scalar} is not set. */
    static SsdScanTokens get() {
        return Holder.ACTIVE;
    }

    /** The scalar floor, for tests. */
    static SsdScanTokens scalar() {
        return new ScalarSsdScanTokens();
    }

    /** The Panama implementation, or null when the module is absent. */
    static SsdScanTokens panama() {
        return VectorizationProvider.panama(SsdScanTokens.class, "org.seqmix.kernels.mamba.PanamaSsdScanTokens");
    }

    final class Holder {
        static final SsdScanTokens ACTIVE = VectorizationProvider.kernel(SsdScanTokens.class, "org.seqmix.kernels.mamba.PanamaSsdScanTokens", ScalarSsdScanTokens::new);

        private Holder() {}
    }
}
