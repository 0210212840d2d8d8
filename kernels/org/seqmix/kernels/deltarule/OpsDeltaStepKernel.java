package org.seqmix.kernels.deltarule;

import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/** {@link DeltaStepKernel} from VectorOps primitives: one scale + axpy per row; runs with or without SIMD. */
final class OpsDeltaStepKernel implements DeltaStepKernel {
    private final VectorOps ops;

    OpsDeltaStepKernel() {
        this(VectorizationProvider.ops());
    }

    OpsDeltaStepKernel(VectorOps ops) {
        this.ops = ops;
    }

    @Override
    public void decayProject(float[] s, int so, int kd, int vd, float[] decay, int dOff, float d, float[] bk, int bkOff, float[] kv) {
        java.util.Arrays.fill(kv, 0, vd, 0f);
        for (int i = 0; i < kd; i++) {
            int r = so + i * vd;
            float di = decay == null ? d : decay[dOff + i];
            if (di != 1f) ops.scale(di, s, r, vd);
            ops.axpy(bk[bkOff + i], s, r, kv, 0, vd);
        }
    }

    @Override
    public void updateQuery(float[] s, int so, int kd, int vd, float[] k, int kOff, float[] u, float[] qs, int qsOff, float[] o, int oOff) {
        java.util.Arrays.fill(o, oOff, oOff + vd, 0f);
        for (int i = 0; i < kd; i++) {
            int r = so + i * vd;
            ops.axpy(k[kOff + i], u, 0, s, r, vd);
            ops.axpy(qs[qsOff + i], s, r, o, oOff, vd);
        }
    }

    @Override
    public void updateQueryDecayProject(float[] s, int so, int kd, int vd, float[] k, int kOff, float[] u, float[] qs, int qsOff,
                                        float[] o, int oOff, float[] decay, int dOff, float d, float[] bk, int bkOff, float[] kv) {
        java.util.Arrays.fill(o, oOff, oOff + vd, 0f);
        java.util.Arrays.fill(kv, 0, vd, 0f);
        for (int i = 0; i < kd; i++) {
            int r = so + i * vd;
            ops.axpy(k[kOff + i], u, 0, s, r, vd);
            ops.axpy(qs[qsOff + i], s, r, o, oOff, vd);
            float di = decay == null ? d : decay[dOff + i];
            if (di != 1f) ops.scale(di, s, r, vd);
            ops.axpy(bk[bkOff + i], s, r, kv, 0, vd);
        }
    }
}
