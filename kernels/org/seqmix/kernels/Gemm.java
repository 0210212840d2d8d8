package org.seqmix.kernels;

import org.seqmix.core.Parallel;

/**
 * Single-precision general matrix multiply {@code C = alpha * op(A) * op(B) + beta * C} on row-major strided
 * arrays (BLAS semantics with row-major leading dimensions). {@code op(A)} is M x K, {@code op(B)} is K x N.
 * When {@code beta == 0}, C is not read (NaN in C does not propagate), as in BLAS.
 *
 * <p>GotoBLAS/BLIS structure: for each NC-column block of C and each KC-deep slice of K, op(B) is packed into
 * NR-column micro-panels, then for each MC-row block op(A) is packed into MR-row micro-panels and a
 * register-blocked micro-kernel ({@link GemmMicroKernel}: Panama 4 x 2 vectors (4x16 on AVX2) when the vector
 * module is present, a scalar 4x4 otherwise) computes every MR x NR tile. The A block is small (MC = 16 rows,
 * 16 KiB) so that it stays in L1 next to the B micro-panel it meets (see
 * docs/architecture.md). Packing buffers are per-thread and reused, so the small products of
 * the chunk kernels allocate nothing. A single row of C (one token through a projection) skips packing and runs
 * as dot products or row updates through {@link VectorOps}. Large products (>= 2 MFLOP) split C tiles over {@link Parallel#forRange};
 * K is never split and KC is fixed, so every element of C is computed by the same sequence of operations for any
 * thread count (bit-identical results).
 */
public final class Gemm {
    static final GemmMicroKernel KERNEL =
            VectorizationProvider.kernel(GemmMicroKernel.class, "org.seqmix.kernels.PanamaGemmKernel", ScalarGemmKernel::new);
    static final int KC = 256;
    // rows of the packed A block, MC x KC = 16 x 256 floats, 16 KiB: with the 16 KiB B micro-panel it fits the 32 KiB L1. One-JVM
    // A/B at 512 x 4096 x 14336 (2 threads) against the earlier 6 x 16 kernel with A pre-broadcast in a 36-row, 288 KiB
    // block (L2): 16 rows took 18% less time, 24 and 32 rows 6-13% less, 72 rows the same
    private static final int MC_ROWS = 16;
    private static final int NC0 = 3072;                        // B block 256 x 3072 floats = 3 MiB: in L3
    private static final long PARALLEL_FLOPS = 2_000_000L;
    private static final long SMALL_FLOPS = 4_096L;           // below this, packing costs more than it saves

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread packing buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] a = new float[0], b = new float[0], tile = new float[0];

        float[] a(int n) { if (a.length < n) a = new float[n]; return a; }
        float[] b(int n) { if (b.length < n) b = new float[n]; return b; }
        float[] tile(int n) { if (tile.length < n) tile = new float[n]; return tile; }
    }

    private Gemm() {}

    /** The active micro-kernel's name, e.g. "panama 4x16". */
    public static String kernelName() {
        return KERNEL.name();
    }

    /** See the class comment; row-major, {@code op(X) = X^T} when {@code transX}. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        sgemm(KERNEL, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Same with a given micro-kernel (tests compare the scalar and Panama kernels). */
    static void sgemm(GemmMicroKernel kern, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        checkSize("m", m);
        checkSize("n", n);
        checkSize("k", k);
        checkMatrix("a", a, aOff, "lda", lda, transA ? k : m, transA ? m : k, transA ? "K x M (transA)" : "M x K");
        checkMatrix("b", b, bOff, "ldb", ldb, transB ? n : k, transB ? k : n, transB ? "N x K (transB)" : "K x N");
        checkMatrix("c", c, cOff, "ldc", ldc, m, n, "M x N");
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        long flops = 2L * m * n * k;
        if (m == 1 && (!transA || lda == 1) && flops > SMALL_FLOPS) {
            row(transB, n, k, alpha, a, aOff, b, bOff, ldb, beta, c, cOff);
        } else if (flops <= SMALL_FLOPS) {
            small(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            blocked(kern, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                    flops >= PARALLEL_FLOPS && Parallel.threads() > 1);
        }
    }

    private static void checkSize(String name, int v) {
        if (v < 0) throw new IllegalArgumentException(name + ": expected >= 0, got " + v);
    }

    /** A stored rows x cols row-major block at off with leading dimension ld must lie inside arr. */
    private static void checkMatrix(String name, float[] arr, int off, String ldName, int ld, int rows, int cols, String layout) {
        if (arr == null) throw new IllegalArgumentException(name + ": array is null");
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(ldName + ": expected >= max(1, " + cols + ") for " + name + " stored " + layout
                    + " = " + rows + " x " + cols + ", got " + ld);
        }
        if (off < 0) throw new IllegalArgumentException(name + ": offset expected >= 0, got " + off);
        if (rows == 0 || cols == 0) return;
        long end = off + (long) (rows - 1) * ld + cols;
        if (end > arr.length) {
            throw new IllegalArgumentException(name + ": " + layout + " = " + rows + " x " + cols + " at offset " + off + " with "
                    + ldName + " " + ld + " needs " + end + " elements, array has " + arr.length);
        }
    }

    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            if (beta == 0f) java.util.Arrays.fill(c, o, o + n, 0f);
            else if (beta != 1f) for (int j = 0; j < n; j++) c[o + j] *= beta;
        }
    }

    /** One contiguous row of op(A) times op(B): packing B would cost as much as the product itself. */
    private static void row(boolean transB, int n, int k, float alpha, float[] a, int aOff, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff) {
        VectorOps ops = VectorizationProvider.ops();
        if (transB) {
            // op(B) column j is stored row j of B: a dot product per output
            for (int j = 0; j < n; j++) {
                float s = ops.dot(a, aOff, b, bOff + j * ldb, k);
                c[cOff + j] = beta == 0f ? alpha * s : Math.fma(s, alpha, beta * c[cOff + j]);
            }
        } else {
            if (beta == 0f) java.util.Arrays.fill(c, cOff, cOff + n, 0f);
            else if (beta != 1f) ops.scale(beta, c, cOff, n);
            for (int p = 0; p < k; p++) ops.axpy(alpha * a[aOff + p], b, bOff + p * ldb, c, cOff, n);
        }
    }

    /** Tiny products: a direct loop, no packing. */
    private static void small(boolean transA, boolean transB, int m, int n, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s = Math.fma(av, bv, s);
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * s : Math.fma(s, alpha, beta * c[ci]);
            }
        }
    }

    private static void blocked(GemmMicroKernel kern, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc, boolean parallel) {
        Scratch own = SCRATCH.get();
        final int MR = kern.mr(), NR = kern.nr(), MC = Math.max(MR, MC_ROWS / MR * MR), NC = NC0 / NR * NR;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int nPanels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaK = pc == 0 ? beta : 1f;   // later K slices accumulate onto C
                float[] bp = own.b(nPanels * NR * kc);
                int mBlocks = (m + MC - 1) / MC;
                if (!parallel) {
                    GemmPack.packB(transB, b, bOff, ldb, pc, kc, jc, nc, NR, bp, 0);
                    for (int ib = 0; ib < mBlocks; ib++) {
                        macro(kern, own, transA, a, aOff, lda, ib * MC, Math.min(MC, m - ib * MC), pc, kc, bp, nc, 0, nPanels,
                                alpha, betaK, c, cOff + jc, ldc);
                    }
                } else {
                    // split C into (row block, column group) tasks; the grouping never changes any element's arithmetic
                    int groups = Math.max(1, Math.min(nPanels, (4 * Parallel.threads() + mBlocks - 1) / mBlocks));
                    int perGroup = (nPanels + groups - 1) / groups;
                    int g = (nPanels + perGroup - 1) / perGroup;
                    final int fpc = pc, fkc = kc, fjc = jc, fnc = nc;
                    final float[] fbp = bp;
                    // pack B in parallel too (a copy: no arithmetic, so no effect on results)
                    int packTasks = Math.min(nPanels, 2 * Parallel.threads());
                    int perPack = (nPanels + packTasks - 1) / packTasks;
                    Parallel.forRange((nPanels + perPack - 1) / perPack, t -> {
                        int q0 = t * perPack, q1 = Math.min(nPanels, q0 + perPack);
                        GemmPack.packB(transB, b, bOff, ldb, fpc, fkc, fjc + q0 * NR, Math.min(nc, q1 * NR) - q0 * NR, NR, fbp, q0 * NR * fkc);
                    });
                    Parallel.forRange(mBlocks * g, t -> {
                        int ib = t / g, q0 = (t % g) * perGroup;
                        macro(kern, SCRATCH.get(), transA, a, aOff, lda, ib * MC, Math.min(MC, m - ib * MC), fpc, fkc,
                                fbp, fnc, q0, Math.min(nPanels, q0 + perGroup), alpha, betaK, c, cOff + fjc, ldc);
                    });
                }
            }
        }
    }

    /** One MC x (panels q0..q1 of an nc-wide block) block: pack A rows [i0, i0+mc), run the micro-kernel over every tile. */
    private static void macro(GemmMicroKernel kern, Scratch s, boolean transA, float[] a, int aOff, int lda, int i0, int mc, int pc, int kc,
                              float[] bp, int nc, int q0, int q1, float alpha, float beta, float[] c, int cOff, int ldc) {
        final int MR = kern.mr(), NR = kern.nr();
        float[] ap = s.a(((mc + MR - 1) / MR) * MR * kc);
        GemmPack.packA(transA, a, aOff, lda, i0, mc, pc, kc, MR, ap);
        float[] tile = s.tile(MR * NR);
        for (int q = q0; q < q1; q++) {
            int j = q * NR;
            for (int ir = 0; ir < mc; ir += MR) {
                int co = cOff + (i0 + ir) * ldc + j;
                int rows = Math.min(MR, mc - ir);
                int cols = Math.min(NR, nc - j);
                if (rows == MR && cols == NR) {
                    kern.compute(kc, ap, ir * kc, bp, q * NR * kc, alpha, beta, c, co, ldc);
                } else {
                    kern.compute(kc, ap, ir * kc, bp, q * NR * kc, 1f, 0f, tile, 0, NR);
                    for (int r = 0; r < rows; r++) {
                        for (int x = 0; x < cols; x++) {
                            int ci = co + r * ldc + x;
                            float v = tile[r * NR + x];
                            c[ci] = beta == 0f ? alpha * v : Math.fma(v, alpha, beta * c[ci]);
                        }
                    }
                }
            }
        }
    }
}
