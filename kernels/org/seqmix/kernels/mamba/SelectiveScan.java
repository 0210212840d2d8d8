package org.seqmix.kernels.mamba;

import org.seqmix.core.Parallel;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Mamba-1 selective scan, as mamba_ssm's {@code selective_scan_ref} but token-major. Per channel d with state
 * {@code h [N]}: {@code delta' = softplus(delta + delta_bias)}, {@code h = exp(delta' A[d]) ∘ h + delta' u B_t},
 * {@code y = h·C_t + D[d] u}, times {@code silu(z)}. Each (batch, block of channels) item scans its tokens in
 * order with its state transposed to {@code [N, channels]}, one fused {@link ScanChannels} pass per token
 * (vectorised across channels, no horizontal sum); items are independent, so results do not depend on the thread count.
 */
public final class SelectiveScan {
    /** Channels per parallel item: enough work per task, still many tasks for long channel counts. */
    private static final int CHANNEL_BLOCK = 64;

    private SelectiveScan() {}

    /** y {@code [B, T, D]} and the last state {@code [B, D, N]} (null unless asked for). */
    public record Result(Tensor y, Tensor lastState) {}

    /**
     * @param u {@code [B, T, D]}
     * @param delta {@code [B, T, D]}
     * @param A {@code [D, N]}, finite, {@code <= 0}
     * @param B {@code [B, T, N]}
     * @param C {@code [B, T, N]}
     * @param D {@code [D]} or null
     * @param z {@code [B, T, D]} or null
     * @param deltaBias {@code [D]} or null
     * @param initialState {@code [B, D, N]} or null (zeros); an extension over the reference
     * @param returnLastState whether to return the last state
     */
    public static Result scan(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor deltaBias,
                              boolean deltaSoftplus, Tensor initialState, boolean returnLastState) {
        Shapes.checkRank("u", u, 3, "B, T, D");
        int b = u.dim(0), t = u.dim(1), d = u.dim(2);
        Shapes.positive("B (batch)", b);
        Shapes.positive("D (channels)", d);
        Shapes.checkNamed("delta", delta, "B, T, D", b, t, d);
        Shapes.checkRank("A", A, 2, "D, N");
        int n = A.dim(1);
        Shapes.positive("N (d_state)", n);
        Shapes.checkNamed("A", A, "D, N", d, n);
        Shapes.checkNamed("B", B, "B, T, N", b, t, n);
        Shapes.checkNamed("C", C, "B, T, N", b, t, n);
        if (z != null) Shapes.checkNamed("z", z, "B, T, D", b, t, d);
        checkChannelParams(d, D, deltaBias);
        Checks.finite("A", A, true);
        if (initialState != null) Shapes.checkNamed("initial_state", initialState, "B, D, N", b, d, n);
        Shapes.allFinite("delta", delta);

        float[] ua = Checks.flat(u), dla = Checks.flat(delta), aa = Checks.flat(A), ba = Checks.flat(B), ca = Checks.flat(C);
        float[] za = z == null ? null : Checks.flat(z);
        float[] dd = D == null ? null : Checks.flat(D), bias = deltaBias == null ? null : Checks.flat(deltaBias);
        float[] init = initialState == null ? null : Checks.flat(initialState);
        Tensor y = Tensor.zeros(b, t, d);
        Tensor last = returnLastState ? Tensor.zeros(b, d, n) : null;
        float[] ya = y.data();
        // A transposed to [N, D]: the kernel reads one row of channels per state index
        float[] at = new float[n * d];
        for (int ch = 0; ch < d; ch++) for (int k = 0; k < n; k++) at[k * d + ch] = aa[ch * n + k];
        ScanChannels kernel = ScanChannels.get();
        int blocks = (d + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
        Parallel.forRange(b * blocks, item -> {
            int bi = item / blocks, d0 = (item % blocks) * CHANNEL_BLOCK, d1 = Math.min(d, d0 + CHANNEL_BLOCK);
            int w = d1 - d0;
            // the block's state transposed, [N, w]: vectorised across channels
            float[] st = new float[n * w], dl = new float[w], du = new float[w], yv = new float[w], dA = new float[n * w];
            if (init != null) {
                for (int c = 0; c < w; c++) for (int k = 0; k < n; k++) st[k * w + c] = init[(bi * d + d0 + c) * n + k];
            }
            VectorOps ops = VectorizationProvider.ops();
            for (int tt = 0; tt < t; tt++) {
                int row = (bi * t + tt) * d + d0, bo = (bi * t + tt) * n;
                // delta' = softplus(delta + bias) and delta'·u for the block's channels, vectorised
                if (bias != null) ops.add(dla, row, bias, d0, dl, 0, w);
                else System.arraycopy(dla, row, dl, 0, w);
                if (deltaSoftplus) ops.softplus(dl, 0, dl, 0, w);
                ops.mul(dl, 0, ua, row, du, 0, w);
                // dA = exp(delta' A) for the block, [N, w], through VectorOps (one exp pass over N·w)
                for (int k = 0; k < n; k++) ops.mul(dl, 0, at, k * d + d0, dA, k * w, w);
                ops.exp(dA, 0, dA, 0, n * w);
                kernel.token(st, w, n, dA, du, ba, bo, ca, bo, yv);
                if (dd != null) ops.fma(dd, d0, ua, row, yv, 0, w);
                if (za != null) {
                    ops.silu(za, row, du, 0, w);
                    ops.mul(yv, 0, du, 0, yv, 0, w);
                }
                System.arraycopy(yv, 0, ya, row, w);
            }
            if (last != null) {
                for (int c = 0; c < w; c++) for (int k = 0; k < n; k++) last.data()[(bi * d + d0 + c) * n + k] = st[k * w + c];
            }
        });
        return new Result(y, last);
    }

    static void checkChannelParams(int d, Tensor D, Tensor deltaBias) {
        if (D != null) Shapes.checkNamed("D", D, "D", d);
        if (deltaBias != null) Shapes.checkNamed("delta_bias", deltaBias, "D", d);
        Checks.finite("D", D, false);
        Checks.finite("delta_bias", deltaBias, false);
    }

    /**
     * One token, in place on {@code state [B, D, N]} (contiguous), allocation-free, as mamba_simple's
     * {@code Mamba.step}. {@code u, delta, z, y [B, D]}, {@code B, C [B, N]}: views with unit last stride accepted.
     */
    public static void step(Tensor state, Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z,
                            Tensor deltaBias, boolean deltaSoftplus, Tensor y) {
        Shapes.checkRank("u", u, 2, "B, D");
        int b = u.dim(0), d = u.dim(1);
        Shapes.checkRank("A", A, 2, "D, N");
        int n = A.dim(1);
        Shapes.checkNamed("A", A, "D, N", d, n);
        Shapes.checkNamed("state", state, "B, D, N", b, d, n);
        Shapes.require(state.isContiguous(), "state: expected a contiguous [B, D, N] tensor");
        Shapes.checkNamed("delta", delta, "B, D", b, d);
        Shapes.checkNamed("B", B, "B, N", b, n);
        Shapes.checkNamed("C", C, "B, N", b, n);
        if (z != null) Shapes.checkNamed("z", z, "B, D", b, d);
        Shapes.checkNamed("y", y, "B, D", b, d);
        checkChannelParams(d, D, deltaBias);
        Shapes.require(A.isContiguous(), "A: expected a contiguous [D, N] tensor");
        Checks.unitLastStride("u", u);
        Checks.unitLastStride("delta", delta);
        Checks.unitLastStride("B", B);
        Checks.unitLastStride("C", C);
        Checks.unitLastStride("z", z);
        Checks.unitLastStride("y", y);
        Checks.finite("A", A, true);
        Checks.finite("delta", delta, false);

        SelectiveScanStep.run(state, u, delta, A, B, C, D, z, deltaBias, deltaSoftplus, y);
    }
}
