package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * Decoding state of a {@link Mamba2} layer: the conv state {@code [B, conv_dim, d_conv-1]} over xBC and the SSM
 * state {@code [B, H, P, N]}, plus the per-token scratch the allocation-free step writes into.
 */
public final class Mamba2Cache extends ConvSsmCache {
    // step scratch and fixed views into it (created once here so step allocates nothing)
    final Tensor zxbcdt, xbcIn, xbcOut, x, b, c, dt, z, y;
    final float[] normed, gate;

    Mamba2Cache(Mamba2.Config cfg, int batch) {
        super(batch, Tensor.zeros(batch, cfg.convDim(), cfg.dConv() - 1), Tensor.zeros(batch, cfg.nheads(), cfg.headdim(), cfg.dState()));
        int dInner = cfg.dInner(), h = cfg.nheads(), p = cfg.headdim(), g = cfg.ngroups(), n = cfg.dState();
        int convDim = cfg.convDim(), dIn = cfg.dInProj();
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

    /** Whether the states have {@code cfg}'s shapes. */
    boolean fits(Mamba2.Config cfg) {
        return conv.dim(1) == cfg.convDim() && conv.dim(2) == cfg.dConv() - 1 && ssm.dim(1) == cfg.nheads() && ssm.dim(2) == cfg.headdim()
                && ssm.dim(3) == cfg.dState();
    }
}
