package org.seqmix.cli;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.Attention;
import org.seqmix.kernels.attention.AttentionMask;
import org.seqmix.kernels.attention.BlockKVCache;
import org.seqmix.kernels.attention.BlockMask;
import org.seqmix.kernels.attention.BlockSparse;
import org.seqmix.kernels.attention.KVCache;

/**
 * attention (causal, optional sliding window with sinks; {@code --H} query heads, {@code --G} kv heads, {@code --D}
 * head size) and block_sparse_attention (a seeded causal block mask of {@code --density}, diagonal always set).
 * {@code forward} is the flash form; {@code step} decodes one token against a cache already holding {@code --T}
 * tokens (each timed call appends its token, so the context grows by one per call). Flops: {@code 4·D} per
 * visible (query, key) pair and query head.
 */
final class BenchAttention {
    private BenchAttention() {}

    static BenchCase build(BenchOptions o) {
        boolean sparse = o.op.equals("block_sparse_attention");
        Map<String, Object> f = sparse
                ? BenchOps.resolve(o, Set.of("forward", "step"), "B", 1, "T", 4096, "H", 8, "G", o.get("H", 8), "D", 128, "block", 64)
                : BenchOps.resolve(o, Set.of("forward", "step"), "B", 1, "T", 4096, "H", 8, "G", o.get("H", 8), "D", 128,
                        "window", AttentionMask.NO_WINDOW, "sinks", 0);
        if (!sparse && o.has("sinks") && !o.has("window")) throw BenchException.option("sinks", "needs --window");
        if (o.kv != null && !o.form.equals("step")) throw BenchException.option("kv", "sets the KV cache of --form step only");
        if (!sparse && o.kv != null) f.put("kv", o.kv);
        if (sparse) f.put("density", o.density == null ? 0.25 : o.density);
        if (!sparse && !o.has("window")) f.remove("window");
        if (!sparse && !o.has("sinks")) f.remove("sinks");
        int b = BenchOps.size(f, "B"), t = BenchOps.size(f, "T"), hq = BenchOps.size(f, "H"), h = BenchOps.size(f, "G"), d = BenchOps.size(f, "D");
        BenchOps.divisible("H", hq, "G", h);
        boolean step = o.form.equals("step");
        int extra = step ? o.maxWarmup() + o.reps + 1 : 0;
        BenchOps.checkElements("T", b, (long) t + extra, hq, d);
        float scale = Attention.defaultScale(d);
        return sparse ? blockSparse(o, f, b, t, hq, h, d, scale, extra) : dense(o, f, b, t, hq, h, d, scale, extra);
    }

    private static BenchCase dense(BenchOptions o, Map<String, Object> f, int b, int t, int hq, int h, int d, float scale, int extra) {
        int window = o.get("window", AttentionMask.NO_WINDOW), sinks = o.get("sinks", 0);
        AttentionMask mask = o.has("window") ? AttentionMask.sliding(window, sinks) : AttentionMask.CAUSAL;
        BenchInputs in = new BenchInputs(BenchOps.SEED);
        if (o.form.equals("step")) {
            boolean bf16 = "bf16".equals(o.kv);
            KVCache cache = o.has("window")
                    ? (bf16 ? KVCache.slidingBf16(b, hq, h, d, window, sinks) : KVCache.sliding(b, hq, h, d, window, sinks))
                    : (bf16 ? KVCache.growingBf16(b, hq, h, d, t + extra, mask) : KVCache.growing(b, hq, h, d, t + extra, mask));
            cache.append(in.normal(b, t, h, d), in.normal(b, t, h, d));
            Tensor q = in.normal(b, hq, d), k = in.normal(b, h, d), v = in.normal(b, h, d), out = Tensor.zeros(b, hq, d);
            // a growing cache is cut back to T after every step, so each timed step sees exactly T + 1 keys (warm-up
            // calls would otherwise grow the context by thousands of tokens); a ring's visible window is fixed anyway
            Runnable call = cache.isRing() ? () -> Attention.decode(cache, q, k, v, scale, out) : () -> {
                Attention.decode(cache, q, k, v, scale, out);
                cache.truncate(t);
            };
            return new BenchCase(call, 4.0 * d * visible(mask, t) * b * hq, bf16 ? "decode bf16" : "decode", f);
        }
        Tensor q = in.normal(b, t, hq, d), k = in.normal(b, t, h, d), v = in.normal(b, t, h, d);
        double pairs = 0;
        for (int i = 0; i < t; i++) pairs += visible(mask, i);
        return new BenchCase(() -> Attention.flash(q, k, v, scale, mask), 4.0 * d * pairs * b * hq, "flash", f);
    }

    /** Keys query position i sees. */
    static long visible(AttentionMask mask, long i) {
        if (!mask.hasWindow()) return i + 1;
        long w = mask.windowSize();
        return Math.min(i + 1, w) + Math.max(0, Math.min(mask.numSinkTokens(), i + 1 - w));
    }

    private static BenchCase blockSparse(BenchOptions o, Map<String, Object> f, int b, int t, int hq, int h, int d, float scale, int extra) {
        int bs = BenchOps.size(f, "block");
        double density = (Double) f.get("density");
        BenchInputs in = new BenchInputs(BenchOps.SEED);
        int nb = (int) (((long) t + extra + bs - 1) / bs);
        BenchOps.checkElements("block", b, hq, nb, nb);
        BlockMask mask = BlockMask.empty(b, hq, nb, nb);
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < hq; hi++) {
                for (int i = 0; i < nb; i++) {
                    mask.set(bi, hi, i, i, true);
                    for (int j = 0; j < i; j++) if (in.nextDouble() < density) mask.set(bi, hi, i, j, true);
                }
            }
        }
        if (o.form.equals("step")) {
            BlockKVCache cache = new BlockKVCache(b, hq, h, d, bs, t + extra);
            cache.append(in.normal(b, t, h, d), in.normal(b, t, h, d));
            Tensor q = in.normal(b, hq, d), k = in.normal(b, h, d), v = in.normal(b, h, d), out = Tensor.zeros(b, hq, d);
            // keys the token at position t sees: whole set blocks before its own, then its block up to itself
            double keys = 0;
            int own = t / bs;
            for (int bi = 0; bi < b; bi++) {
                for (int hi = 0; hi < hq; hi++) {
                    for (int j = 0; j < own; j++) if (mask.get(bi, hi, own, j)) keys += bs;
                    keys += t - (long) own * bs + 1;
                }
            }
            return new BenchCase(() -> BlockSparse.decode(cache, mask, q, k, v, scale, out), 4.0 * d * keys, "decode", f);
        }
        int nq = (t + bs - 1) / bs;
        BlockMask prefix = mask.topLeft(nq, nq);
        Tensor q = in.normal(b, t, hq, d), k = in.normal(b, t, h, d), v = in.normal(b, t, h, d);
        double pairs = 0;
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < hq; hi++) {
                for (int i = 0; i < nq; i++) {
                    long rows = Math.min(bs, t - (long) i * bs);
                    for (int j = 0; j < i; j++) if (prefix.get(bi, hi, i, j)) pairs += rows * bs;
                    pairs += rows * (rows + 1) / 2;
                }
            }
        }
        return new BenchCase(() -> BlockSparse.forward(q, k, v, prefix, bs, true, scale), 4.0 * d * pairs, "block-sparse flash", f);
    }
}
