package org.seqmix.kernels;

/**
 * The SIMD primitives every kernel is built from, on {@code float[]} slices given as (array, offset, length).
 * Two implementations: {@link ScalarVectorOps} (the floor, always there) and {@code PanamaVectorOps}
 * ({@code jdk.incubator.vector}); {@link VectorizationProvider} picks one at start-up. Get the active one
 * with {@link VectorizationProvider#ops()}.
 *
 * <p>Every method allows {@code out} to alias an input at the same offset (in-place use).
 */
public interface VectorOps {
    /** Name for logs: "panama (AVX2, 8 floats)" or "scalar". */
    String name();

    /** Floats per vector register (1 for scalar). */
    int lanes();

    /** sum_i a[ao+i] * b[bo+i]. */
    float dot(float[] a, int ao, float[] b, int bo, int n);

    /** y[yo+i] += alpha * x[xo+i]. */
    void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n);

    /** y[yo+i] = alpha * y[yo+i] + x[xo+i]  (decay-then-add, the state update of gated recurrences). */
    void scaleAdd(float alpha, float[] y, int yo, float[] x, int xo, int n);

    /** x[xo+i] *= alpha. */
    void scale(float alpha, float[] x, int xo, int n);

    /** out[oo+i] = alpha * x[xo+i] (a scaled copy in one pass). */
    void scale(float alpha, float[] x, int xo, float[] out, int oo, int n);

    /** out = a + b. */
    void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n);

    /** out = a * b (element-wise). */
    void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n);

    /** c += a * b (element-wise fused multiply-add). */
    void fma(float[] a, int ao, float[] b, int bo, float[] c, int co, int n);

    float sum(float[] a, int ao, int n);

    float max(float[] a, int ao, int n);

    /** Whether {@code lo <= a[ao+i] <= hi} for every i (NaN never is): a value check in one pass. */
    boolean allWithin(float[] a, int ao, int n, float lo, float hi);

    /** sum_i a[ao+i]^2. */
    float sumSquares(float[] a, int ao, int n);

    /** out = exp(x); relative error <= 1e-6 on [-87, 88]; 0 below, +Inf above, NaN stays NaN. */
    void exp(float[] x, int xo, float[] out, int oo, int n);

    /** In-place max-subtracted softmax; returns the normaliser sum(exp(x - max)) before division. */
    float softmax(float[] x, int xo, int n);

    void sigmoid(float[] x, int xo, float[] out, int oo, int n);

    /** log(sigmoid(x)) = -softplus(-x), stable for large |x|. */
    void logsigmoid(float[] x, int xo, float[] out, int oo, int n);

    /** x * sigmoid(x). */
    void silu(float[] x, int xo, float[] out, int oo, int n);

    /** log(1 + exp(x)), equal to x above 20 as in PyTorch. */
    void softplus(float[] x, int xo, float[] out, int oo, int n);

    /** out = x / sqrt(mean(x^2) + eps) * weight (weight may be null for no affine). */
    void rmsNorm(float[] x, int xo, float[] weight, int wo, float eps, float[] out, int oo, int n);

    /** out = rmsNorm(x) * weight * silu(gate): fla's FusedRMSNormGated / Mamba-2's gated norm (norm before gate). */
    void gatedRmsNorm(float[] x, int xo, float[] gate, int go, float[] weight, int wo, float eps, float[] out, int oo, int n);

    /** In place: x / sqrt(sum(x^2) + eps), as fla's l2norm (eps inside the sqrt). */
    void l2Normalize(float[] x, int xo, float eps, int n);

    /**
     * out[oo+r] = alpha * dot(x[xo..], a[ao + r*lda ..]) for r in [0, rows): a matrix-vector product over rows of
     * length n (attention decode scores against a contiguous run of cached keys). Several rows are in flight at
     * once, so it is not latency-bound on one reduction per row.
     */
    default void gemvRows(float alpha, float[] a, int ao, int lda, int rows, float[] x, int xo, int n, float[] out, int oo) {
        for (int r = 0; r < rows; r++) out[oo + r] = alpha * dot(x, xo, a, ao + r * lda, n);
    }
}
