package org.seqmix.kernels.deltarule;

/** Portable {@link ChunkGemm}: one fma chain per output element, the same order as the Panama kernel. */
final class ScalarChunkGemm implements ChunkGemm {
    @Override
    public void nn(int m, int n, int k, boolean negate, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                   boolean accumulate, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) s = Math.fma(a[aOff + i * lda + p], b[bOff + p * ldb + j], s);
                int x = cOff + i * ldc + j;
                c[x] = ScalarChunkGemm.combine(s, negate, accumulate, c[x]);
            }
        }
    }

    static float combine(float s, boolean negate, boolean accumulate, float c) {
        if (!accumulate) return negate ? -s : s;
        return negate ? c - s : c + s;
    }
}
