package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * Decoding state of a {@link Mamba} (Mamba-1) layer: conv state {@code [B, d_inner, d_conv-1]} and SSM state
 * {@code [B, d_inner, d_state]}, plus the per-token scratch the allocation-free step writes into.
 */
public final class MambaCache extends ConvSsmCache {
    final Tensor xz, xIn, xConv, xdbl, dt, b, c, z, y;

    MambaCache(Mamba.Config cfg, int batch) {
        super(batch, Tensor.zeros(batch, cfg.dInner(), cfg.dConv() - 1), Tensor.zeros(batch, cfg.dInner(), cfg.dState()));
        int dInner = cfg.dInner(), n = cfg.dState(), r = cfg.dtRank();
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

    /** Whether the states and scratch have {@code cfg}'s shapes. */
    boolean fits(Mamba.Config cfg) {
        return ssm.dim(1) == cfg.dInner() && ssm.dim(2) == cfg.dState() && conv.dim(2) == cfg.dConv() - 1
                && xdbl.dim(1) == cfg.dtRank() + 2 * cfg.dState();
    }
}
