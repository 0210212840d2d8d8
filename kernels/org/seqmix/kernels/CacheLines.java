package org.seqmix.kernels;

/**
 * A software prefetch for rows that are far apart in memory. Java has no prefetch instruction, and a kernel that reads
 * rows one at a time, each in its own page, waits for each row's DRAM miss in turn. A loop of nothing but independent
 * loads lets the misses of many rows overlap.
 */
public final class CacheLines {
    /** Floats per 64-byte cache line. */
    private static final int LINE_FLOATS = 16;

    private CacheLines() {}

    /**
     * Reads one float per cache line of {@code rows} rows of {@code len} floats, {@code ld} apart from {@code off}, and
     * returns their sum. Store the sum somewhere (nothing need read it), so the JIT keeps the loads.
     */
    public static float touch(float[] a, int off, int rows, int ld, int len) {
        float s = 0;
        for (int r = 0; r < rows; r++) {
            for (int i = 0, o = off + r * ld; i < len; i += LINE_FLOATS) s += a[o + i];
        }
        return s;
    }
}
