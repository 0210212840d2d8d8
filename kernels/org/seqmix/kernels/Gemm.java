package org.seqmix.kernels;

/**
 * Single-precision general matrix multiply {@code C = alpha * op(A) * op(B) + beta * C} on row-major strided
 * arrays (BLAS semantics with row-major leading dimensions). {@code op(A)} is M x K, {@code op(B)} is K x N.
 * When {@code beta == 0}, C is not read (NaN in C does not propagate), as in BLAS.
 */
public final class Gemm {
    private Gemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        // placeholder reference implementation; replaced by the packed, register-blocked kernel
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * s : alpha * s + beta * c[ci];
            }
        }
    }
}
