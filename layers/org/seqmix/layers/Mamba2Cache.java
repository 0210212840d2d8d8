package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * Decoding state of a {@link Mamba2} layer: the conv state {@code [B, conv_dim, d_conv-1]} over xBC and the SSM
 * state {@code [B, H, P, N]}, plus the per-token scratch the allocation-free step writes into.
 */
public final class Mamba2Cache implements MixerCache {
    final int batch;
    final Tensor conv, ssm;
    long tokens;
    // step scratch and fixed views into it (created once here so step allocates nothing)
    final Tensor zxbcdt, xbcIn, xbcOut, x, b, c, dt, z, y;
    final float[] normed, gate;

    Mamba2Cache(Mamba2.Config cfg, int batch) {
        this.batch = batch;
        int dInner = cfg.dInner(), h = cfg.nheads(), p = cfg.headdim(), g = cfg.ngroups(), n = cfg.dState();
        int convDim = cfg.convDim(), dIn = cfg.dInProj();
        conv = Tensor.zeros(batch, convDim, cfg.dConv() - 1);
        ssm = Tensor.zeros(batch, h, p, n);
        zxbcdt = Tensor.zeros(batch, dIn);
        xbcIn = Tensor.zeros(batch, convDim);
        xbcOut = Tensor.zeros(batch, convDim);
        float[] o = xbcOut.data(), zd = zxbcdt.data();
        x = Tensor.wrap(o, 0, new int[] {batch, h, p}, new int[] {convDim, p, 1});
        b = Tensor.wrap(o, dInner, new int[] {batch, g, n}, new int[] {convDim, n, 1});
        c = Tensor.wrap(o, dInner + g * n, new int[] {batch, g, n}, new int[] {convDim, n, 1});
        z = Tensor.wrap(zd, 0, new int[] {batch, h, p}, new int[] {dIn, p, 1});
        dt = Tensor.wrap(zd, dInner + convDim, new int[] {batch, h}, new int[] {dIn, 1});
        y = Tensor.zeros(batch, h, p);
        normed = new float[batch * dInner];
        gate = new float[dInner];
    }

    /** The conv state {@code [B, conv_dim, d_conv-1]} (live, not a copy). */
    public Tensor convState() { return conv; }

    /** The SSM state {@code [B, H, P, N]} (live, not a copy). */
    public Tensor ssmState() { return ssm; }

    @Override public int batch() { return batch; }
    @Override public long tokens() { return tokens; }
    @Override public long bytes() { return 4L * (conv.numel() + ssm.numel()); }

    @Override
    public void reset() {
        conv.fill(0f);
        ssm.fill(0f);
        tokens = 0;
    }
}
