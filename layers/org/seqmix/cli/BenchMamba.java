package org.seqmix.cli;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.mamba.Mamba2Ssd;
import org.seqmix.kernels.mamba.SelectiveScan;
import org.seqmix.kernels.mamba.SelectiveStateUpdate;

/**
 * mamba2 (the SSD scan, no D skip and no z gate: ggml's SSM_SCAN semantics) and selective_scan (Mamba-1, with D
 * and z as in the layer). Time steps go through softplus with no bias. {@code forward} of mamba2 is the form
 * {@link Mamba2Ssd#prefersChunk} picks (the recurrent form at the default shape), {@code chunk} is
 * {@code mamba_chunk_scan_combined}, {@code recurrent} the {@code selective_state_update} recurrence token by token.
 * Flops: mamba2 chunk {@link Mamba2Ssd#chunkFlops} (the products as they run, blocks above the diagonal skipped:
 * per token about {@code H(4PN + 2Q'P) + G·ceil(H/G/8)·2Q'N} with {@code Q' = 40} at Q = 64), recurrent / step {@code 5HPN};
 * selective_scan {@code 6DN} (exps not counted).
 */
final class BenchMamba {
    private BenchMamba() {}

    static BenchCase build(BenchOptions o) {
        return o.op.equals("mamba2") ? mamba2(o) : selectiveScan(o);
    }

    private static BenchCase mamba2(BenchOptions o) {
        Map<String, Object> f = BenchOps.resolve(o, Set.of("forward", "chunk", "recurrent", "step"),
                "B", 1, "T", 512, "H", 48, "P", 64, "N", 128, "G", 1, "chunk", Mamba2Ssd.DEFAULT_CHUNK_SIZE);
        int b = BenchOps.size(f, "B"), t = BenchOps.size(f, "T"), h = BenchOps.size(f, "H"), p = BenchOps.size(f, "P");
        int n = BenchOps.size(f, "N"), g = BenchOps.size(f, "G"), c = BenchOps.size(f, "chunk");
        BenchOps.divisible("H", h, "G", g);
        if (!o.form.equals("chunk") && !o.form.equals("forward")) f.remove("chunk"); // no chunks in these forms
        BenchOps.checkElements("T", b, t, h, p);
        BenchOps.checkElements("T", b, t, g, n);
        BenchOps.checkElements("N", b, h, p, n);
        BenchInputs in = new BenchInputs(BenchOps.SEED);
        Tensor a = in.headDecayRate(h);
        if (o.form.equals("step")) {
            Tensor x = in.normal(b, h, p), dt = in.rawTimeStep(b, h), bb = in.normal(b, g, n), cc = in.normal(b, g, n);
            Tensor state = in.normal(0.1f, b, h, p, n), y = Tensor.zeros(b, h, p);
            return new BenchCase(() -> SelectiveStateUpdate.update(state, x, dt, a, bb, cc, null, null, null, true, y),
                    5.0 * h * p * n * b, "step", f);
        }
        Tensor x = in.normal(b, t, h, p), dt = in.rawTimeStep(b, t, h), bb = in.normal(b, t, g, n), cc = in.normal(b, t, g, n);
        // forward: the form Mamba2Ssd.forward picks for this shape
        boolean recurrent = o.form.equals("recurrent") || o.form.equals("forward") && !Mamba2Ssd.prefersChunk(t, p, n, c);
        double flops = recurrent ? 5.0 * h * p * n * b * t : b * Mamba2Ssd.chunkFlops(t, h, p, g, n, c);
        if (o.inplace) {
            // the in-place entry: y and the state are the caller's; the state carries over from call to call (the
            // decays keep it bounded)
            Tensor state = in.normal(0.1f, b, h, p, n), y = Tensor.zeros(b, t, h, p);
            return recurrent
                    ? new BenchCase(() -> Mamba2Ssd.recurrentInPlace(x, dt, a, bb, cc, null, null, null, true, state, y, null), flops,
                            "recurrent_inplace", f)
                    : new BenchCase(() -> Mamba2Ssd.chunkScanCombinedInPlace(x, dt, a, bb, cc, c, null, null, null, true, state, y, null),
                            flops, "chunk_inplace", f);
        }
        if (recurrent) {
            return new BenchCase(() -> Mamba2Ssd.recurrent(x, dt, a, bb, cc, null, null, null, true, null, true, null), flops, "recurrent", f);
        }
        return new BenchCase(() -> Mamba2Ssd.chunkScanCombined(x, dt, a, bb, cc, c, null, null, null, true, null, true, null), flops,
                "chunk", f);
    }

    private static BenchCase selectiveScan(BenchOptions o) {
        Map<String, Object> f = BenchOps.resolve(o, Set.of("forward", "recurrent", "step"), "B", 1, "T", 512, "D", 1536, "N", 16);
        int b = BenchOps.size(f, "B"), t = BenchOps.size(f, "T"), d = BenchOps.size(f, "D"), n = BenchOps.size(f, "N");
        BenchOps.checkElements("T", b, t, d);
        BenchOps.checkElements("D", b, d, n);
        BenchInputs in = new BenchInputs(BenchOps.SEED);
        Tensor a = BenchInputs.s4dRealDecayRate(d, n), dskip = in.normal(d);
        if (o.form.equals("step")) {
            Tensor u = in.normal(b, d), delta = in.rawTimeStep(b, d), bb = in.normal(b, n), cc = in.normal(b, n), z = in.normal(b, d);
            Tensor state = in.normal(0.1f, b, d, n), y = Tensor.zeros(b, d);
            return new BenchCase(() -> SelectiveScan.step(state, u, delta, a, bb, cc, dskip, z, null, true, y), 6.0 * d * n * b, "step", f);
        }
        Tensor u = in.normal(b, t, d), delta = in.rawTimeStep(b, t, d), bb = in.normal(b, t, n), cc = in.normal(b, t, n), z = in.normal(b, t, d);
        return new BenchCase(() -> SelectiveScan.scan(u, delta, a, bb, cc, dskip, z, null, true, null, true), 6.0 * d * n * b * t,
                "recurrent", f);
    }

    /** Views {@code x[:, i]} for every token i. */
    private static Tensor[] tokens(Tensor x, int t) {
        Tensor[] out = new Tensor[t];
        for (int i = 0; i < t; i++) out[i] = x.select(1, i);
        return out;
    }
}
