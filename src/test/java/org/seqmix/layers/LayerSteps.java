package org.seqmix.layers;

import org.seqmix.core.Tensor;

/** The reference decode loop of the layer tests: a sequence through {@code step} one token at a time. */
final class LayerSteps {
    private LayerSteps() {}

    /** Steps x {@code [B, T, D]} token by token through cache; returns y {@code [B, T, D]}. */
    static Tensor steps(SequenceMixer layer, Tensor x, MixerCache cache) {
        int b = x.dim(0), t = x.dim(1), d = x.dim(2);
        Tensor y = Tensor.zeros(b, t, d), xt = Tensor.zeros(b, d), yt = Tensor.zeros(b, d);
        for (int i = 0; i < t; i++) {
            x.select(1, i).copyInto(xt);
            layer.step(xt, cache, yt);
            yt.copyInto(y.select(1, i));
        }
        return y;
    }
}
