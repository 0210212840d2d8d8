package org.seqmix.kernels.mamba;

import org.seqmix.core.Parallel;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;

/**
 * The Mamba-2 recurrent step, as mamba_ssm's {@code selective_state_update}: one token per sequence, the state
 * {@code [B, H, P, N]} updated in place, allocation-free. Per head: {@code dA = exp(dt' A)}; per row p:
 * {@code S[p] = dA S[p] + (dt' x[p]) B}, {@code y[p] = S[p]·C + D x[p]}, times {@code silu(z[p])}.
 * Fed token by token this is also the recurrent form of {@link Mamba2Ssd}.
 */
public final class SelectiveStateUpdate {
    private SelectiveStateUpdate() {}

    /**
     * @param state {@code [B, H, P, N]}, contiguous, updated in place
     * @param x {@code [B, H, P]}
     * @param dt {@code [B, H]}
     * @param A {@code [H]}, finite, {@code <= 0}
     * @param B {@code [B, G, N]}
     * @param C {@code [B, G, N]}
     * @param D {@code [H]} or {@code [H, P]}, or null
     * @param z {@code [B, H, P]} or null
     * @param dtBias {@code [H]} or null
     * @param out {@code [B, H, P]}; may alias neither x nor z
     * Views are accepted when the last axis has stride 1 (e.g. slices of a projection row).
     */
    public static void update(Tensor state, Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor dtBias,
                              boolean dtSoftplus, Tensor out) {
        Shapes.checkRank("x", x, 3, "B, H, P");
        int b = x.dim(0), h = x.dim(1), p = x.dim(2);
        Shapes.checkRank("B", B, 3, "B, G, N");
        int g = B.dim(1), n = B.dim(2);
        Shapes.positive("G (ngroups)", g);
        Shapes.divisible("H (heads)", h, "G (ngroups)", g);
        Shapes.checkNamed("state", state, "B, H, P, N", b, h, p, n);
        Shapes.require(state.isContiguous(), "state: expected a contiguous [B, H, P, N] tensor");
        Shapes.checkNamed("dt", dt, "B, H", b, h);
        Shapes.checkNamed("B", B, "B, G, N", b, g, n);
        Shapes.checkNamed("C", C, "B, G, N", b, g, n);
        if (z != null) Shapes.checkNamed("z", z, "B, H, P", b, h, p);
        Shapes.checkNamed("out", out, "B, H, P", b, h, p);
        Mamba2Ssd.checkHeadParams(h, p, A, D, dtBias);
        Checks.unitLastStride("x", x);
        Checks.unitLastStride("B", B);
        Checks.unitLastStride("C", C);
        Checks.unitLastStride("z", z);
        Checks.unitLastStride("out", out);
        Checks.unitLastStride("D", D);
        Checks.finite("dt", dt, false);

        Job job = JOB.get();
        job.set(state, x, dt, A, B, C, D, z, dtBias, dtSoftplus, out);
        try {
            // heads split over the thread team; the job object is per calling thread, so nothing is allocated
            Parallel.forRangeAffine((b * h + HEADS_PER_ITEM - 1) / HEADS_PER_ITEM, job.body);
        } finally {
            job.clear();
        }
    }

    /** Heads per work item: one head (~1 us) is too little work to hand to another core. */
    private static final int HEADS_PER_ITEM = 8;

    private static final ThreadLocal<Job> JOB = ThreadLocal.withInitial(Job::new);

    /** One call's arguments and the per-head body (preallocated: no capturing lambda per token). */
    private static final class Job {
        final java.util.function.IntConsumer body = this::heads;
        Tensor state, x, dt, A, B, C, D, z, dtBias, out;
        boolean dtSoftplus;

        void set(Tensor state, Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor dtBias,
                 boolean dtSoftplus, Tensor out) {
            this.state = state;
            this.x = x;
            this.dt = dt;
            this.A = A;
            this.B = B;
            this.C = C;
            this.D = D;
            this.z = z;
            this.dtBias = dtBias;
            this.dtSoftplus = dtSoftplus;
            this.out = out;
        }

        void clear() {
            set(null, null, null, null, null, null, null, null, null, false, null);
        }

        /** Heads [item * HEADS_PER_ITEM, ...) of the flattened batch x head range. */
        private void heads(int item) {
            int total = x.dim(0) * x.dim(1);
            for (int i = item * HEADS_PER_ITEM, end = Math.min(total, i + HEADS_PER_ITEM); i < end; i++) head(i);
        }

        private void head(int item) {
            int h = x.dim(1), p = x.dim(2), n = B.dim(2);
            int bi = item / h, hh = item % h;
            int headsPerGroup = h / B.dim(1);
            float[] s = state.data(), xa = x.data(), ba = B.data(), ca = C.data(), oa = out.data();
            float bias = dtBias == null ? 0f : dtBias.data()[dtBias.offset() + hh * dtBias.stride(0)];
            float dtp = Mamba2Ssd.dtPrime(dt.data()[dt.offset() + bi * dt.stride(0) + hh * dt.stride(1)], bias, dtSoftplus);
            float dA = (float) Math.exp(dtp * A.data()[A.offset() + hh * A.stride(0)]);
            int gg = hh / headsPerGroup;
            int bo = B.offset() + bi * B.stride(0) + gg * B.stride(1);
            int co = C.offset() + bi * C.stride(0) + gg * C.stride(1);
            int xo = x.offset() + bi * x.stride(0) + hh * x.stride(1);
            int oo = out.offset() + bi * out.stride(0) + hh * out.stride(1);
            int zo = z == null ? 0 : z.offset() + bi * z.stride(0) + hh * z.stride(1);
            // decay + rank-1 update + read-out against C, fused over N, several rows in flight
            SsdStepRows.get().update(s, state.offset() + ((bi * h + hh) * p) * n, p, n, dA, dtp, xa, xo, ba, bo, ca, co, oa, oo);
            if (D == null && z == null) return;
            for (int q = 0; q < p; q++) {
                float yv = oa[oo + q];
                if (D != null) {
                    float dv = D.rank() == 2 ? D.data()[D.offset() + hh * D.stride(0) + q] : D.data()[D.offset() + hh * D.stride(0)];
                    yv += dv * xa[xo + q];
                }
                if (z != null) yv *= Activations.silu(z.data()[zo + q]);
                oa[oo + q] = yv;
            }
        }
    }
}
