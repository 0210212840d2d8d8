package org.seqmix.kernels.mamba;

import java.util.function.IntConsumer;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * The body of {@link SelectiveScan#step}: one Mamba-1 token for every (batch, block of channels), in place on the
 * state {@code [B, D, N]}. A block's state rows are contiguous, so its decays are one {@code exp} pass over
 * {@code w x N} floats through {@link VectorOps} (as the scan computes them); decay, rank-1 update and read-out
 * are one fused {@link SelectiveStepRows} pass. Blocks keep their thread from token to token
 * ({@link Parallel#forRangeAffine}); operands live in a per-calling-thread job and scratch in per-thread
 * buffers, so a step allocates nothing once warm.
 */
final class SelectiveScanStep {
    /** Channels per item: 24 items for Mamba-1's 1536 channels, enough to split evenly over the team. */
    static final int CHANNEL_BLOCK = 64;

    private static final ThreadLocal<SelectiveScanStep> JOB = ThreadLocal.withInitial(SelectiveScanStep::new);
    private static final ThreadLocal<float[][]> SCRATCH = new ThreadLocal<>();

    private final IntConsumer body = this::block;
    private Tensor state, u, delta, A, B, C, D, z, deltaBias, y;
    private boolean deltaSoftplus;

    private SelectiveScanStep() {}

    /** Runs the token on operands validated by the caller (contiguous state and A, unit last strides). */
    static void run(Tensor state, Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor deltaBias,
                    boolean deltaSoftplus, Tensor y) {
        SelectiveScanStep job = JOB.get();
        job.state = state; job.u = u; job.delta = delta; job.A = A; job.B = B; job.C = C; job.D = D; job.z = z;
        job.deltaBias = deltaBias; job.deltaSoftplus = deltaSoftplus; job.y = y;
        int blocks = (u.dim(1) + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
        try {
            Parallel.forRangeAffine(u.dim(0) * blocks, job.body);
        } finally {
            job.state = job.u = job.delta = job.A = job.B = job.C = job.D = job.z = job.deltaBias = job.y = null;
        }
    }

    private static float[][] scratch(int n) {
        float[][] s = SCRATCH.get();
        if (s == null || s[2].length < CHANNEL_BLOCK * n) {
            s = new float[][] {new float[CHANNEL_BLOCK], new float[CHANNEL_BLOCK], new float[CHANNEL_BLOCK * n]};
            SCRATCH.set(s);
        }
        return s;
    }

    private void block(int item) {
        int d = u.dim(1), n = A.dim(1), blocks = (d + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
        int bi = item / blocks, d0 = (item % blocks) * CHANNEL_BLOCK, w = Math.min(d, d0 + CHANNEL_BLOCK) - d0;
        VectorOps ops = VectorizationProvider.ops();
        float[][] sc = scratch(n);
        float[] dl = sc[0], du = sc[1], dA = sc[2];
        float[] ua = u.data(), ya = y.data(), s = state.data();
        int uo = u.offset() + bi * u.stride(0) + d0, yo = y.offset() + bi * y.stride(0) + d0;
        int bo = B.offset() + bi * B.stride(0), co = C.offset() + bi * C.stride(0);
        int so = state.offset() + (bi * d + d0) * n;
        // delta' = softplus(delta + delta_bias) and delta' u for the block's channels
        int dlo = delta.offset() + bi * delta.stride(0) + d0;
        for (int c = 0; c < w; c++) {
            dl[c] = delta.data()[dlo + c] + (deltaBias == null ? 0f : deltaBias.data()[deltaBias.offset() + (d0 + c) * deltaBias.stride(0)]);
        }
        if (deltaSoftplus) ops.softplus(dl, 0, dl, 0, w);
        ops.mul(dl, 0, ua, uo, du, 0, w);
        // dA = exp(delta' A) over the block's w x N decays (one exp pass), then h = dA h + delta' u B and y = h . C
        // fused per channel (SelectiveStepRows)
        for (int c = 0; c < w; c++) ops.scale(dl[c], A.data(), A.offset() + (d0 + c) * n, dA, c * n, n);
        ops.exp(dA, 0, dA, 0, w * n);
        SelectiveStepRows.get().rows(s, so, w, n, dA, du, B.data(), bo, C.data(), co, ya, yo);
        if (D != null) {
            for (int c = 0; c < w; c++) ya[yo + c] += D.data()[D.offset() + (d0 + c) * D.stride(0)] * ua[uo + c];
        }
        if (z != null) {
            ops.silu(z.data(), z.offset() + bi * z.stride(0) + d0, du, 0, w);
            ops.mul(ya, yo, du, 0, ya, yo, w);
        }
    }
}
