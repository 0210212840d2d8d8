package org.seqmix.cli;

import java.util.List;
import java.util.Locale;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.layers.BlockSparseAttention;
import org.seqmix.layers.GatedDeltaNet;
import org.seqmix.layers.GatedDeltaNet2;
import org.seqmix.layers.GatedLinearAttention;
import org.seqmix.layers.KimiDeltaAttention;
import org.seqmix.layers.LightningAttention;
import org.seqmix.layers.LinearAttention;
import org.seqmix.layers.Mamba;
import org.seqmix.layers.Mamba2;
import org.seqmix.layers.MixerCache;
import org.seqmix.layers.MultiHeadAttention;
import org.seqmix.layers.SequenceMixer;
import org.seqmix.layers.SlidingWindowAttention;

/**
 * {@code seqmix demo [T] [steps]}: every layer with seeded random weights, a chunkwise forward over T tokens, then
 * decode steps from the returned state, checked against a forward over all T + steps tokens.
 */
final class Demo {
    private Demo() {}

    /** Every layer at its demo size, seeded random weights. */
    static List<SequenceMixer> layers(long seed) {
        return List.of(
                GatedDeltaNet.demo(seed), KimiDeltaAttention.demo(seed), GatedDeltaNet2.demo(seed),
                Mamba2.demo(seed), Mamba.demo(seed),
                LightningAttention.demo(seed), GatedLinearAttention.demo(seed), LinearAttention.demo(seed),
                SlidingWindowAttention.demo(seed), BlockSparseAttention.demo(seed), MultiHeadAttention.demo(seed));
    }

    static void run(String[] args) {
        int t = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        System.out.printf(Locale.ROOT, "seqmix demo: prefill %d tokens, then %d decode steps (batch 1, seeded random weights)%n", t, steps);
        System.out.printf(Locale.ROOT, "%-24s %8s %13s %14s %14s %12s%n", "layer", "hidden", "agreement", "prefill tok/s", "decode tok/s", "state bytes");
        boolean ok = true;
        for (SequenceMixer layer : layers(42)) {
            int d = layer.hiddenSize();
            Tensor x = new Rng(7).normal(1f, 1, t + steps, d);
            Tensor reference = layer.forward(x, null);

            MixerCache cache = layer.newCache(1);
            long t0 = System.nanoTime();
            layer.forward(x.slice(1, 0, t).contiguous(), cache);
            long t1 = System.nanoTime();

            Tensor tok = Tensor.zeros(1, d), y = Tensor.zeros(1, d);
            double worst = 0;
            long decodeNanos = 0;
            for (int s = 0; s < steps; s++) {
                x.select(1, t + s).copyInto(tok);
                long a = System.nanoTime();
                layer.step(tok, cache, y);
                if (s >= steps / 2) decodeNanos += System.nanoTime() - a; // second half: past the JIT's warm-up
                worst = Math.max(worst, Tensor.relativeL2Error(y, reference.select(1, t + s)));
            }
            // top-k block selection decodes with per-token gates, so its forms differ by design (docs/attention.md)
            if (layer.stepMatchesForward()) ok &= worst <= 1e-3;
            System.out.printf(Locale.ROOT, "%-24s %8d %12.2e%s %14.0f %14.0f %12d%n", layer.name(), d, worst,
                    layer.stepMatchesForward() ? " " : "*",
                    t / ((t1 - t0) / 1e9), (steps - steps / 2) / (decodeNanos / 1e9), cache.bytes());
        }
        System.out.println("agreement = worst relative L2 error of a decode step vs the same token of a whole-sequence forward; "
                + (ok ? "all within 1e-3" : "SOME ABOVE 1e-3"));
        System.out.println("* top-k block selection: forward gates blocks by the block's mean query, decode by the token's own query"
                + " (MoBA), so the two forms are not expected to agree");
        System.out.println("prefill includes the first call's JIT warm-up; decode tok/s is timed over the second half of the steps");
        if (!ok) System.exit(1);
    }
}
