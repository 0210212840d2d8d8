package org.seqmix.kernels.deltarule;

import org.seqmix.kernels.VectorizationProvider;

/**
 * The chunk form's products, {@code C = beta C + alpha A B} with row-major A {@code [m, k]} and B {@code [k, n]}
 * (alpha = ±1, beta = 0 or 1). No packing: the operands of one chunk (at most C x 128 and 128 x 128 floats) stay in
 * L1/L2, so {@link org.seqmix.kernels.Gemm}'s per-call packing of A and B cost as much as these small products.
 * Each output element is one fma chain over p = 0..k-1 in order, then one add, so {@link #best()} and
 * {@link #portable()} give bit-identical results. Implementations: {@link ScalarChunkGemm} (any JVM) and
 * {@code PanamaChunkGemm} (register-tiled, loaded by name only when jdk.incubator.vector is present).
 */
interface ChunkGemm {
    void nn(int m, int n, int k, boolean negate, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            boolean accumulate, float[] c, int cOff, int ldc);

    /** Panama when the vector module is present (and -Dseqmix.vectorization=scalar is not set), else the scalar one. */
    static ChunkGemm best() {
        return Holder.BEST;
    }

    /** The portable implementation (tests compare it with {@link #best()}). */
    static ChunkGemm portable() {
        return new ScalarChunkGemm();
    }

    final class Holder {
        static final ChunkGemm BEST = choose();

        private static ChunkGemm choose() {
            if (VectorizationProvider.vectorModulePresent() && !"scalar".equals(System.getProperty("seqmix.vectorization"))) {
                try {
                    return (ChunkGemm) Class.forName("org.seqmix.kernels.deltarule.PanamaChunkGemm").getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException | LinkageError e) {
                    // fall through to the portable kernel
                }
            }
            return new ScalarChunkGemm();
        }

        private Holder() {}
    }
}
