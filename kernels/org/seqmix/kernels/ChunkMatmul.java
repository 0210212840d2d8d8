package org.seqmix.kernels;


/**
 * The small matrix products of the chunk form, without packing: every operand of a chunk (at most C x K, C x V,
 * K x V) sits in L1/L2, so the register-blocked loop reads them where they are instead of copying them into
 * micro-panels as {@link org.seqmix.kernels.Gemm} does (at 64 x 128 x 128 that copy cost as much as the product).
 * <pre>
 *   c[i, j] = alpha · Σ_p a(i, p) b[p, j]   (+ c[i, j] when accumulate)
 *   a(i, p) = a[ao + i·ars + p·aps]          any strides: a row-major, transposed, or read in place on a
 *                                            token-major tensor
 *   b[p, j] = b[bo + p·ldb + j],  c[i, j] = c[co + i·ldc + j]
 * </pre>
 * Every element is one fma chain over p in order from zero, then {@code fma(s, alpha, c)} or {@code s·alpha}, in
 * both implementations, so the Panama one is bit-identical to the scalar floor. A scalar floor and a Panama
 * implementation, loaded by name only when the incubator module is present (as {@link VectorOps}).
 */
public interface ChunkMatmul {
    void mul(int m, int n, int k, float alpha, float[] a, int ao, int ars, int aps, float[] b, int bo, int ldb,
             float[] c, int co, int ldc, boolean accumulate);

    String name();

    /** Panama when the module is present and {@code -Dseqmix.vectorization=scalar} is not set. */
    static ChunkMatmul get() {
        return Holder.ACTIVE;
    }

    static ChunkMatmul scalar() {
        return new ScalarChunkMatmul();
    }

    /** The Panama implementation, or null when the module is absent. */
    static ChunkMatmul panama() {
        return VectorizationProvider.panama(ChunkMatmul.class, "org.seqmix.kernels.PanamaChunkMatmul");
    }

    /** Lazily chosen implementation. */
    final class Holder {
        static final ChunkMatmul ACTIVE = VectorizationProvider.kernel(ChunkMatmul.class, "org.seqmix.kernels.PanamaChunkMatmul", ScalarChunkMatmul::new);

        private Holder() {}
    }
}
