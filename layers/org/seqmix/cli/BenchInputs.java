package org.seqmix.cli;

import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

/**
 * Seeded random inputs in the ranges a real model produces, so no timing includes a denormal slow path a model
 * would not hit: unit-norm keys and queries, log-space decays, time steps whose softplus lies in [0.001, 0.1].
 */
final class BenchInputs {
    private final Rng rng;

    BenchInputs(long seed) {
        this.rng = new Rng(seed);
    }

    /** N(0, 1) entries (values, x, B / C projections). */
    Tensor normal(int... shape) {
        return rng.normal(1f, shape);
    }

    /** N(0, std^2) entries. */
    Tensor normal(float std, int... shape) {
        return rng.normal(std, shape);
    }

    /** U(lo, hi) entries (beta, gates in (0, 1)). */
    Tensor uniform(float lo, float hi, int... shape) {
        return rng.uniform(lo, hi, shape);
    }

    /** Rows of the last axis with unit L2 norm (q, k after the layers' l2-normalisation). */
    Tensor unitRows(int... shape) {
        Tensor t = rng.normal(1f, shape);
        float[] d = t.data();
        int n = shape[shape.length - 1];
        for (int r = 0; r < d.length; r += n) {
            double s = 0;
            for (int i = 0; i < n; i++) s += (double) d[r + i] * d[r + i];
            float inv = (float) (1.0 / Math.sqrt(s + 1e-12));
            for (int i = 0; i < n; i++) d[r + i] *= inv;
        }
        return t;
    }

    /** Scalar log decay per (token, head): U(-1, -0.01), exp(g) in ~[0.37, 0.99]. */
    Tensor scalarLogDecay(int... shape) {
        return rng.uniform(-1f, -0.01f, shape);
    }

    /** Per-channel log decay as fla's GLA gate: logsigmoid(N(0,1)) / 16, in ~[-0.3, -0.003]. */
    Tensor channelLogDecay(int... shape) {
        Tensor t = rng.normal(1f, shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (-Math.log1p(Math.exp(-d[i])) / 16.0);
        return t;
    }

    /** Raw time steps whose softplus is log-uniform in [0.001, 0.1] (mamba's dt init range), no bias. */
    Tensor rawTimeStep(int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            double dtp = Math.exp(Math.log(0.001) + rng.nextDouble() * (Math.log(0.1) - Math.log(0.001)));
            d[i] = (float) Math.log(Math.expm1(dtp)); // inverse softplus
        }
        return t;
    }

    /** Mamba-2's A = -exp(A_log) with A_log = log U(1, 16), one per head. */
    Tensor headDecayRate(int heads) {
        Tensor t = rng.uniform(1f, 16f, heads);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = -d[i];
        return t;
    }

    /** Mamba-1's S4D-real A[d, n] = -(n + 1). */
    static Tensor s4dRealDecayRate(int channels, int n) {
        Tensor t = Tensor.zeros(channels, n);
        float[] d = t.data();
        for (int c = 0; c < channels; c++) for (int i = 0; i < n; i++) d[c * n + i] = -(i + 1);
        return t;
    }

    double nextDouble() {
        return rng.nextDouble();
    }
}
