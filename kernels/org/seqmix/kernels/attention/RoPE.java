package org.seqmix.kernels.attention;

import org.seqmix.core.Tensor;

/**
 * Rotary position embedding in transformers' {@code rotate_half} convention: for pair index
 * {@code p < D/2}, angle {@code pos · theta^(-2p/D)}, {@code x[p] ← x[p]·cos − x[p+D/2]·sin} and
 * {@code x[p+D/2] ← x[p+D/2]·cos + x[p]·sin}. Applied in place.
 */
public final class RoPE {
    private final int headDim;
    private final double theta;
    private final double[] invFreq;

    public RoPE(int headDim, double theta) {
        AttentionChecks.positive("head_dim", headDim);
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim: RoPE needs an even head_dim, got " + headDim);
        if (!(theta > 0) || Double.isInfinite(theta)) throw new IllegalArgumentException("rope_theta: expected a finite value > 0, got " + theta);
        this.headDim = headDim;
        this.theta = theta;
        this.invFreq = new double[headDim / 2];
        for (int p = 0; p < headDim / 2; p++) invFreq[p] = 1.0 / Math.pow(theta, (2.0 * p) / headDim);
    }

    public int headDim() { return headDim; }
    public double theta() { return theta; }

    /** Rotates one head vector {@code x[off, off + D)} for token position {@code pos}; allocation-free. */
    public void apply(float[] x, int off, long pos) {
        int half = headDim / 2;
        for (int p = 0; p < half; p++) {
            double a = pos * invFreq[p];
            float c = (float) Math.cos(a), s = (float) Math.sin(a);
            float x1 = x[off + p], x2 = x[off + p + half];
            x[off + p] = x1 * c - x2 * s;
            x[off + p + half] = x2 * c + x1 * s;
        }
    }

    /** Rotates every head of a contiguous {@code x [B, T, H, D]} in place; token t has position {@code startPos + t}. */
    public void apply(Tensor x, long startPos) {
        AttentionChecks.rank4("x", x, "B, T, H, D");
        if (x.dim(3) != headDim) throw new IllegalArgumentException("x: expected head_dim " + headDim + " in [B, T, H, D], got " + java.util.Arrays.toString(x.shape()));
        if (!x.isContiguous()) throw new IllegalArgumentException("x: RoPE is applied in place and needs a contiguous tensor");
        int b = x.dim(0), t = x.dim(1), h = x.dim(2);
        float[] d = x.data();
        for (int bi = 0; bi < b; bi++) {
            for (int ti = 0; ti < t; ti++) {
                for (int hi = 0; hi < h; hi++) apply(d, x.offset() + ((bi * t + ti) * h + hi) * headDim, startPos + ti);
            }
        }
    }
}
