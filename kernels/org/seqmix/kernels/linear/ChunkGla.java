package org.seqmix.kernels.linear;

import org.seqmix.core.Parallel;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Gemm;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Chunkwise form of the linear-attention family. Per (sequence, head) and chunk of C tokens, with
 * {@code b = cumsum(g)} inside the chunk (every exponent below is <= 0, so nothing overflows):
 * <pre>
 *   O  = diag(exp(b)) (Q S)                          inter-chunk, through the [K, V] state
 *   O += ((Q Kᵀ) ∘ exp(b_i - b_j) ∘ [j <= i]) V       intra-chunk, a masked decay-weighted C x C product
 *   S  = exp(b_last) S + (K ∘ exp(b_last - b))ᵀ V     state handed to the next chunk
 * </pre>
 * For the per-key gate (GLA) the decay does not factor out of {@code Q Kᵀ}: queries are split into sub-blocks of
 * {@link #SUB} rows referenced at the sub-block's first row r, keys before r enter as
 * {@code (Q ∘ exp(b_i - b_r)) (K ∘ exp(b_r - b_j))ᵀ}, keys inside the sub-block pairwise.
 */
final class ChunkGla {
    static final int SUB = 16;

    private ChunkGla() {}

    static GlaOutput run(GlaProblem p, int chunkSize, boolean outputFinalState) {
        Shapes.positive("chunk_size", chunkSize);
        final int H = p.H, K = p.K, V = p.V;
        Tensor o = Tensor.zeros(p.B, p.T, H, V);
        Tensor fin = outputFinalState ? Tensor.zeros(p.N, H, K, V) : null;
        Tensor zs = p.normalize ? Tensor.zeros(p.N, H, K) : null;
        Parallel.forRange(p.N * H, item -> new Worker(p, Math.min(chunkSize, Math.max(1, p.T))).run(item / H, item % H, o, fin, zs));
        return new GlaOutput(o, fin, zs);
    }

    /** Scratch of one (sequence, head) item. */
    private static final class Worker {
        final GlaProblem p;
        final int C, K, V;
        final float[] S, z, Q, Kc, Vc, O, A, b, tmp, Qr, Kr;
        final VectorOps ops = VectorizationProvider.ops();

        Worker(GlaProblem p, int C) {
            this.p = p;
            this.C = C;
            K = p.K;
            V = p.V;
            S = new float[K * V];
            z = p.normalize ? new float[K] : null;
            Q = new float[C * K];
            Kc = new float[C * K];
            Vc = new float[C * V];
            O = new float[C * V];
            A = new float[C * C];
            boolean key = p.gate == GlaProblem.Gate.KEY;
            b = new float[key ? C * K : C];
            tmp = new float[Math.max(K, C)];
            Qr = key ? new float[SUB * K] : null;
            Kr = key ? new float[C * K] : null;
        }

        void run(int n, int h, Tensor o, Tensor fin, Tensor zs) {
            p.loadInitial(n, h, S, z);
            int bi = p.batch(n), start = p.seqStart(n), end = p.seqEnd(n);
            for (int c0 = start; c0 < end; c0 += C) {
                int L = Math.min(C, end - c0);
                gather(bi, h, c0, L);
                if (p.gate == GlaProblem.Gate.KEY) chunkKey(L); else chunkScalar(L);
                if (p.normalize) normalize(L);
                for (int i = 0; i < L; i++) System.arraycopy(O, i * V, o.data(), p.row(bi, c0 + i, h) * V, V);
            }
            if (fin != null) System.arraycopy(S, 0, fin.data(), (n * p.H + h) * K * V, K * V);
            if (zs != null) System.arraycopy(z, 0, zs.data(), (n * p.H + h) * K, K);
        }

        /** Copies the chunk's q (scaled), k, v and the within-chunk cumulative log decay b. */
        void gather(int bi, int h, int c0, int L) {
            for (int i = 0; i < L; i++) {
                int r = p.row(bi, c0 + i, h);
                System.arraycopy(p.q, p.qo + r * K, Q, i * K, K);
                ops.scale(p.scale, Q, i * K, K);
                System.arraycopy(p.k, p.ko + r * K, Kc, i * K, K);
                System.arraycopy(p.v, p.vo + r * V, Vc, i * V, V);
                if (p.gate == GlaProblem.Gate.KEY) {
                    System.arraycopy(p.g, p.go + r * K, b, i * K, K);
                    if (i > 0) ops.add(b, (i - 1) * K, b, i * K, b, i * K, K);
                } else {
                    b[i] = (i > 0 ? b[i - 1] : 0f) + p.scalarGate(bi, c0 + i, h);
                }
            }
        }

        /** Scalar decay per token (linear attention, simple GLA, Lightning). */
        void chunkScalar(int L) {
            // inter: O_i = exp(b_i) q_i S
            Gemm.sgemm(false, false, L, V, K, 1f, Q, 0, K, S, 0, V, 0f, O, 0, V);
            for (int i = 0; i < L; i++) ops.scale((float) Math.exp(b[i]), O, i * V, V);
            // intra: (Q Kᵀ ∘ exp(b_i - b_j), j <= i) V
            Gemm.sgemm(false, true, L, L, K, 1f, Q, 0, K, Kc, 0, K, 0f, A, 0, C);
            for (int i = 0; i < L; i++) {
                for (int j = 0; j <= i; j++) A[i * C + j] *= (float) Math.exp(b[i] - b[j]);
                for (int j = i + 1; j < L; j++) A[i * C + j] = 0f;
            }
            Gemm.sgemm(false, false, L, V, L, 1f, A, 0, C, Vc, 0, V, 1f, O, 0, V);
            // state: S = exp(b_last) S + (K ∘ exp(b_last - b_j))ᵀ V
            float last = b[L - 1];
            ops.scale((float) Math.exp(last), S, 0, K * V);
            for (int j = 0; j < L; j++) ops.scale((float) Math.exp(last - b[j]), Kc, j * K, K);
            Gemm.sgemm(true, false, K, V, L, 1f, Kc, 0, K, Vc, 0, V, 1f, S, 0, V);
        }

        /** Per-key decay (GLA). */
        void chunkKey(int L) {
            // inter: O = (Q ∘ exp(b)) S
            for (int i = 0; i < L; i++) {
                ops.exp(b, i * K, tmp, 0, K);
                ops.mul(Q, i * K, tmp, 0, Kr, i * K, K);
            }
            Gemm.sgemm(false, false, L, V, K, 1f, Kr, 0, K, S, 0, V, 0f, O, 0, V);
            // intra, by query sub-blocks [r0, r1) referenced at row r0
            for (int r0 = 0; r0 < L; r0 += SUB) {
                int r1 = Math.min(L, r0 + SUB);
                if (r0 > 0) {
                    for (int i = r0; i < r1; i++) {
                        expDiff(b, i * K, b, r0 * K);
                        ops.mul(Q, i * K, tmp, 0, Qr, (i - r0) * K, K);
                    }
                    for (int j = 0; j < r0; j++) {
                        expDiff(b, r0 * K, b, j * K);
                        ops.mul(Kc, j * K, tmp, 0, Kr, j * K, K);
                    }
                    Gemm.sgemm(false, true, r1 - r0, r0, K, 1f, Qr, 0, K, Kr, 0, K, 0f, A, r0 * C, C);
                }
                for (int i = r0; i < r1; i++) {
                    for (int j = r0; j <= i; j++) {
                        expDiff(b, i * K, b, j * K);
                        ops.mul(tmp, 0, Q, i * K, tmp, 0, K);
                        A[i * C + j] = ops.dot(tmp, 0, Kc, j * K, K);
                    }
                    for (int j = i + 1; j < L; j++) A[i * C + j] = 0f;
                }
            }
            Gemm.sgemm(false, false, L, V, L, 1f, A, 0, C, Vc, 0, V, 1f, O, 0, V);
            // state: S = diag(exp(b_last)) S + (K ∘ exp(b_last - b_j))ᵀ V
            int lo = (L - 1) * K;
            ops.exp(b, lo, tmp, 0, K);
            for (int kk = 0; kk < K; kk++) ops.scale(tmp[kk], S, kk * V, V);
            for (int j = 0; j < L; j++) {
                expDiff(b, lo, b, j * K);
                ops.mul(Kc, j * K, tmp, 0, Kc, j * K, K);
            }
            Gemm.sgemm(true, false, K, V, L, 1f, Kc, 0, K, Vc, 0, V, 1f, S, 0, V);
        }

        /** tmp = exp(x - y) over K channels. */
        void expDiff(float[] x, int xo, float[] y, int yo) {
            for (int kk = 0; kk < K; kk++) tmp[kk] = x[xo + kk] - y[yo + kk];
            ops.exp(tmp, 0, tmp, 0, K);
        }

        /** Normalized linear attention: o_i /= (q_i·scale)·z_i + 1e-10, z the running key sum. */
        void normalize(int L) {
            for (int i = 0; i < L; i++) {
                ops.add(z, 0, Kc, i * K, z, 0, K);
                float d = ops.dot(Q, i * K, z, 0, K) + 1e-10f;
                ops.scale(1f / d, O, i * V, V);
            }
        }
    }
}
