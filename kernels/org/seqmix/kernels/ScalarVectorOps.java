package org.seqmix.kernels;

/** The scalar floor: plain loops, used when {@code jdk.incubator.vector} is absent and as the reference for the SIMD path. */
public final class ScalarVectorOps implements VectorOps {
    @Override public String name() { return "scalar"; }
    @Override public int lanes() { return 1; }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        // four chains so the scalar floor is not latency-bound on one accumulator
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    @Override
    public void scaleAdd(float alpha, float[] y, int yo, float[] x, int xo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] = alpha * y[yo + i] + x[xo + i];
    }

    @Override
    public void scale(float alpha, float[] x, int xo, int n) {
        for (int i = 0; i < n; i++) x[xo + i] *= alpha;
    }

    @Override
    public void scale(float alpha, float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = alpha * x[xo + i];
    }

    @Override
    public void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] + b[bo + i];
    }

    @Override
    public void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] * b[bo + i];
    }

    @Override
    public void fma(float[] a, int ao, float[] b, int bo, float[] c, int co, int n) {
        for (int i = 0; i < n; i++) c[co + i] = Math.fma(a[ao + i], b[bo + i], c[co + i]);
    }

    @Override
    public float sum(float[] a, int ao, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i];
        return s;
    }

    @Override
    public float max(float[] a, int ao, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, a[ao + i]);
        return m;
    }

    @Override
    public boolean allWithin(float[] a, int ao, int n, float lo, float hi) {
        for (int i = 0; i < n; i++) {
            float x = a[ao + i];
            if (!(x >= lo && x <= hi)) return false;
        }
        return true;
    }

    @Override
    public float sumSquares(float[] a, int ao, int n) {
        return dot(a, ao, a, ao, n);
    }

    @Override
    public void exp(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = (float) Math.exp(x[xo + i]);
    }

    @Override
    public float softmax(float[] x, int xo, int n) {
        float m = max(x, xo, n);
        if (m == Float.NEGATIVE_INFINITY) {
            for (int i = 0; i < n; i++) x[xo + i] = 0f;
            return 0f;
        }
        float s = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - m);
            x[xo + i] = e;
            s += e;
        }
        float inv = 1f / s;
        for (int i = 0; i < n; i++) x[xo + i] *= inv;
        return s;
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Activations.sigmoid(x[xo + i]);
    }

    @Override
    public void logsigmoid(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Activations.logsigmoid(x[xo + i]);
    }

    @Override
    public void silu(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Activations.silu(x[xo + i]);
    }

    @Override
    public void softplus(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Activations.softplus(x[xo + i]);
    }

    @Override
    public void rmsNorm(float[] x, int xo, float[] weight, int wo, float eps, float[] out, int oo, int n) {
        float r = (float) (1.0 / Math.sqrt(sumSquares(x, xo, n) / n + eps));
        for (int i = 0; i < n; i++) out[oo + i] = x[xo + i] * r * (weight == null ? 1f : weight[wo + i]);
    }

    @Override
    public void gatedRmsNorm(float[] x, int xo, float[] gate, int go, float[] weight, int wo, float eps, float[] out, int oo, int n) {
        float r = (float) (1.0 / Math.sqrt(sumSquares(x, xo, n) / n + eps));
        for (int i = 0; i < n; i++) {
            out[oo + i] = x[xo + i] * r * (weight == null ? 1f : weight[wo + i]) * Activations.silu(gate[go + i]);
        }
    }

    @Override
    public void l2Normalize(float[] x, int xo, float eps, int n) {
        float r = (float) (1.0 / Math.sqrt(sumSquares(x, xo, n) + eps));
        for (int i = 0; i < n; i++) x[xo + i] *= r;
    }
}
