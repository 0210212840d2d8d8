package org.seqmix.kernels;

/**
 * Packing for {@link Gemm}: copies a block of op(A) into MR-row micro-panels and a block of op(B) into NR-column
 * micro-panels, zero-padded at the edges, so the micro-kernel streams both with unit stride whatever the
 * transposes. Panel layout: A panel q holds {@code kc} groups of MR floats (column p of rows q*MR..q*MR+MR-1);
 * B panel q holds {@code kc} groups of NR floats (row p of columns q*NR..q*NR+NR-1).
 */
final class GemmPack {
    private GemmPack() {}

    /** Packs op(A)[i0 .. i0+mc) x [p0 .. p0+kc) into {@code dst} (size ceil(mc/MR)*MR*kc). */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, int mr, float[] dst) {
        int d = 0;
        for (int ir = 0; ir < mc; ir += mr, d += mr * kc) {
            int rows = Math.min(mr, mc - ir);
            if (!transA) {
                // row-major A: read each row contiguously, write with stride MR
                for (int r = 0; r < rows; r++) {
                    int src = aOff + (i0 + ir + r) * lda + p0;
                    for (int p = 0; p < kc; p++) dst[d + p * mr + r] = a[src + p];
                }
                for (int r = rows; r < mr; r++) {
                    for (int p = 0; p < kc; p++) dst[d + p * mr + r] = 0f;
                }
            } else {
                // op(A)[i][p] = a[p*lda + i]: MR consecutive floats per p
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (p0 + p) * lda + i0 + ir, o = d + p * mr;
                    System.arraycopy(a, src, dst, o, rows);
                    for (int r = rows; r < mr; r++) dst[o + r] = 0f;
                }
            }
        }
    }

    /** Packs op(B)[p0 .. p0+kc) x [j0 .. j0+nc) into {@code dst} from {@code d} (size ceil(nc/NR)*NR*kc). */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, int nr, float[] dst, int d) {
        for (int jr = 0; jr < nc; jr += nr, d += nr * kc) {
            int cols = Math.min(nr, nc - jr);
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + jr;
                    int o = d + p * nr;
                    System.arraycopy(b, src, dst, o, cols);
                    for (int j = cols; j < nr; j++) dst[o + j] = 0f;
                }
            } else {
                // op(B)[p][j] = b[j*ldb + p]: read each stored row contiguously, write with stride NR
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + jr + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) dst[d + p * nr + j] = b[src + p];
                }
                for (int j = cols; j < nr; j++) {
                    for (int p = 0; p < kc; p++) dst[d + p * nr + j] = 0f;
                }
            }
        }
    }
}
