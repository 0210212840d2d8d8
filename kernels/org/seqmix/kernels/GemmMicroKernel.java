package org.seqmix.kernels;

/**
 * The register-blocked inner kernel of {@link Gemm}: an {@link #mr()} x {@link #nr()} tile of C from a packed A
 * micro-panel ({@code kc} columns of mr consecutive values) and a
 * packed B micro-panel ({@code kc} rows of nr consecutive floats). Writes {@code C = alpha * acc + beta * C}; when
 * {@code beta == 0} C is not read.
 */
interface GemmMicroKernel {
    int mr();

    int nr();

    /** Human-readable name for logs and tests. */
    String name();

    void compute(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc);
}
