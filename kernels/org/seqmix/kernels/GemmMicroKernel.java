package org.seqmix.kernels;

/**
 * The register-blocked inner kernel of {@link Gemm}: an {@link #mr()} x {@link #nr()} tile of C from a packed A
 * micro-panel ({@code kc} columns of mr consecutive values, each value {@link #aLanes()} times in a row) and a
 * packed B micro-panel ({@code kc} rows of nr consecutive floats). Writes {@code C = alpha * acc + beta * C}; when
 * {@code beta == 0} C is not read.
 */
interface GemmMicroKernel {
    int mr();

    int nr();

    /** Copies of each A value in the packed panel: 1, or a vector's lanes for a kernel that loads A pre-broadcast. */
    default int aLanes() {
        return 1;
    }

    /**
     * The same kernel reading A with one copy per value ({@link #aLanes()} = 1), for products with few columns: a
     * pre-broadcast copy costs aLanes stores per A value and pays back only over many NR-column panels.
     */
    default GemmMicroKernel singleLaneA() {
        return this;
    }

    /** Human-readable name for logs and tests. */
    String name();

    void compute(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc);
}
