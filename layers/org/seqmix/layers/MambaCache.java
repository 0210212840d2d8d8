package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * Decoding state of a {@link Mamba} (Mamba-1) layer: conv state {@code [B, d_inner, d_conv-1]} and SSM state
 * {@code [B, d_inner, d_state]}, plus the per-token scratch the allocation-free step writes into.
 */
public final class MambaCache implements MixerCache {
    final int batch;
    final Tensor conv, ssm;
    long tokens;
    final Tensor xz, xIn, xConv, xdbl, dt, b, c, z, y;

    MambaCache(Mamba.Config cfg, int batch) {
        this.batch = batch;
        int dInner = cfg.dInner(), n = cfg.dState(), r = cfg.dtRank();
        conv = Tensor.zeros(batch, dInner, cfg.dConv() - 1);
        ssm = Tensor.zeros(batch, dInner, n);
        xz = Tensor.zeros(batch, 2 * dInner);
        xIn = Tensor.zeros(batch, dInner);
        xConv = Tensor.zeros(batch, dInner);
        xdbl = Tensor.zeros(batch, r + 2 * n);
        dt = Tensor.zeros(batch, dInner);
        b = Tensor.wrap(xdbl.data(), r, new int[] {batch, n}, new int[] {r + 2 * n, 1});
        c = Tensor.wrap(xdbl.data(), r + n, new int[] {batch, n}, new int[] {r + 2 * n, 1});
        z = Tensor.wrap(xz.data(), dInner, new int[] {batch, dInner}, new int[] {2 * dInner, 1});
        y = Tensor.zeros(batch, dInner);
    }

    /** The conv state {@code [B, d_inner, d_conv-1]} (live). */
    public Tensor convState() { return conv; }

    /** The SSM state {@code [B, d_inner, d_state]} (live). */
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
