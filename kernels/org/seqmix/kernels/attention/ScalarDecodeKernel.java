package org.seqmix.kernels.attention;

/** The scalar floor of {@link DecodeKernel} (head dim in natural order). */
final class ScalarDecodeKernel implements DecodeKernel {
    @Override
    public void scores(float[] q, int qo, float[] k, int ko, int n, int d, float[] s, int so) {
        for (int j = 0; j < n; j++) {
            float acc = 0;
            for (int x = 0, r = ko + j * d; x < d; x++) acc += q[qo + x] * k[r + x];
            s[so + j] = acc;
        }
    }

    @Override
    public void scoresBf16(float[] q, int qo, short[] k, int ko, int n, int d, float[] s, int so) {
        for (int j = 0; j < n; j++) {
            float acc = 0;
            for (int x = 0, r = ko + j * d; x < d; x++) acc += q[qo + x] * Bf16Ops.toFloat(k[r + x]);
            s[so + j] = acc;
        }
    }

    @Override
    public void values(float[] p, int po, int n, float[] v, int vo, int d, float[] o, int oo) {
        for (int j = 0; j < n; j++) {
            float pj = p[po + j];
            for (int x = 0, r = vo + j * d; x < d; x++) o[oo + x] += pj * v[r + x];
        }
    }

    @Override
    public void valuesBf16(float[] p, int po, int n, short[] v, int vo, int d, float[] o, int oo) {
        for (int j = 0; j < n; j++) {
            float pj = p[po + j];
            for (int x = 0, r = vo + j * d; x < d; x++) o[oo + x] += pj * Bf16Ops.toFloat(v[r + x]);
        }
    }

    @Override
    public void toKernelOrder(float[] x, int xo, float[] out, int oo, int d, boolean bf16) {
        System.arraycopy(x, xo, out, oo, d);
    }

    @Override
    public void fromKernelOrder(float[] x, int xo, float[] out, int oo, int d, boolean bf16) {
        System.arraycopy(x, xo, out, oo, d);
    }
}
