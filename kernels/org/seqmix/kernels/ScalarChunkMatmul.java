package org.seqmix.kernels;

/** Scalar floor of {@link ChunkMatmul}; also the Panama one's tails (same per-element order). */
final class ScalarChunkMatmul implements ChunkMatmul {
    @Override
    public String name() { return "scalar"; }

    @Override
    public void mul(int m, int n, int k, float alpha, float[] a, int ao, int ars, int aps, float[] b, int bo, int ldb,
                    float[] c, int co, int ldc, boolean accumulate) {
        block(0, m, 0, n, k, alpha, a, ao, ars, aps, b, bo, ldb, c, co, ldc, accumulate);
    }

    /** Rows [i0, i1) x columns [j0, j1) of the product. */
    static void block(int i0, int i1, int j0, int j1, int k, float alpha, float[] a, int ao, int ars, int aps,
                      float[] b, int bo, int ldb, float[] c, int co, int ldc, boolean accumulate) {
        for (int i = i0; i < i1; i++) {
            int ai = ao + i * ars, ci = co + i * ldc;
            for (int j = j0; j < j1; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) s = Math.fma(a[ai + p * aps], b[bo + p * ldb + j], s);
                c[ci + j] = accumulate ? Math.fma(s, alpha, c[ci + j]) : s * alpha;
            }
        }
    }
}
