package org.seqmix.kernels.attention;

import org.seqmix.kernels.VectorizationProvider;

/**
 * Flash-attention accumulator for one tile of query rows against a stream of key tiles (online softmax: running
 * row max, running normaliser, rescaled accumulator). {@link OnlineSoftmaxTile} is the scalar floor (GEMM on the
 * tile), {@code PanamaFlashTile} the SIMD kernel, loaded by name only when {@code jdk.incubator.vector} is
 * present. One instance per thread (not thread-safe); {@link #get} reuses the calling thread's instance.
 */
interface FlashTile {
    /** Starts a tile of {@code rows} queries, rows at {@code qOff + r·ldq}, scores scaled by {@code scale}. */
    void begin(float[] q, int qOff, int ldq, int rows, float scale);

    /**
     * Adds keys [j0, j0 + nk) for the queries [i0, i0 + rows) (absolute positions, for the mask); k and v rows at
     * {@code kOff + c·ldk}, {@code vOff + c·ldv}.
     */
    void accumulate(float[] k, int kOff, int ldk, float[] v, int vOff, int ldv, int i0, int j0, int nk, AttentionMask mask);

    /** Writes the normalised rows to {@code o[oOff + r·ldo]}; rows that saw no key get zeros. */
    void finish(float[] o, int oOff, int ldo);

    /** Largest tile this instance takes. */
    int maxRows();

    int maxKeys();

    int headDim();

    /** The calling thread's tile for at least {@code maxRows} x {@code maxKeys} with head size {@code d}. */
    static FlashTile get(int maxRows, int maxKeys, int d) {
        FlashTile t = Cache.TILE.get();
        if (t == null || t.maxRows() != maxRows || t.maxKeys() != maxKeys || t.headDim() != d) {
            t = create(maxRows, maxKeys, d);
            Cache.TILE.set(t);
        }
        return t;
    }

    /** A new tile of the active implementation (SIMD when the vector module is present). */
    static FlashTile create(int maxRows, int maxKeys, int d) {
        if (Cache.PANAMA) {
            try {
                return panama(maxRows, maxKeys, d);
            } catch (IllegalStateException | LinkageError e) {
                return new OnlineSoftmaxTile(maxRows, maxKeys, d);
            }
        }
        return new OnlineSoftmaxTile(maxRows, maxKeys, d);
    }

    /** The SIMD tile; only call when the vector module is present. */
    static FlashTile panama(int maxRows, int maxKeys, int d) {
        try {
            return (FlashTile) Class.forName("org.seqmix.kernels.attention.PanamaFlashTile")
                    .getDeclaredConstructor(int.class, int.class, int.class).newInstance(maxRows, maxKeys, d);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("PanamaFlashTile failed to load", e);
        }
    }

    final class Cache {
        static final boolean PANAMA = VectorizationProvider.simd() && VectorizationProvider.vectorModulePresent();
        static final ThreadLocal<FlashTile> TILE = new ThreadLocal<>();

        private Cache() {}
    }
}
