package org.seqmix.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.Attention;
import org.seqmix.kernels.attention.AttentionMask;
import org.seqmix.kernels.attention.BlockMask;
import org.seqmix.kernels.attention.BlockSparse;
import org.seqmix.kernels.attention.KVCache;

/**
 * Softmax attention, the baseline every layer is judged against (issues 4 and 8): B = 1, H = 8, D = 128, causal.
 * <ul>
 *   <li>{@code prefill}: {@code kind} = naive (T x T scores), flash (tiled, online softmax), window512 / window4096
 *       (flash visiting only the window's tiles), blocksparse10 / blocksparse25 (a random causal block mask of
 *       that density, 64-token blocks, diagonal always set);
 *   <li>{@code decodeStep}: one token through a growing float32 KV cache holding {@code context} tokens
 *       (attention's decode cost grows with the context, unlike the recurrent layers), {@code kvHeads} = 8 (MHA)
 *       or 2 (GQA, 4 query heads per kv head: a quarter of the cache bytes, the same flops).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class AttentionBench {
    static final int H = 8, D = 128, BLOCK = 64;

    @State(Scope.Benchmark)
    public static class Prefill {
        @Param({"naive", "flash", "window512", "window4096", "blocksparse10", "blocksparse25"})
        public String kind;

        @Param({"1024", "4096"})
        public int seqLen;

        @Param({"2"})
        public int threads;

        Tensor q, k, v;
        BlockMask mask;

        @Setup(Level.Trial)
        public void setup() {
            Parallel.setThreads(threads);
            Rng r = new Rng(1);
            q = r.normal(1f, 1, seqLen, H, D);
            k = r.normal(1f, 1, seqLen, H, D);
            v = r.normal(1f, 1, seqLen, H, D);
            if (kind.startsWith("blocksparse")) {
                double density = Integer.parseInt(kind.substring("blocksparse".length())) / 100.0;
                int nb = (seqLen + BLOCK - 1) / BLOCK;
                mask = BlockMask.empty(1, H, nb, nb);
                for (int h = 0; h < H; h++) {
                    for (int i = 0; i < nb; i++) {
                        mask.set(0, h, i, i, true);
                        for (int j = 0; j < i; j++) if (r.nextDouble() < density) mask.set(0, h, i, j, true);
                    }
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Decode {
        @Param({"1024", "8192", "32768"})
        public int context;

        @Param({"2"})
        public int threads;

        /** KV heads: 8 is multi-head attention, 2 is GQA with 4 query heads per kv head (same query work). */
        @Param({"8", "2"})
        public int kvHeads;

        KVCache cache;
        Tensor q, k, v, o;

        @Setup(Level.Trial)
        public void setup() {
            Parallel.setThreads(threads);
            Rng r = new Rng(2);
            cache = KVCache.growing(1, H, kvHeads, D, context + 1, AttentionMask.CAUSAL);
            cache.append(r.normal(1f, 1, context, kvHeads, D), r.normal(1f, 1, context, kvHeads, D));
            q = r.normal(1f, 1, H, D);
            k = r.normal(1f, 1, kvHeads, D);
            v = r.normal(1f, 1, kvHeads, D);
            o = Tensor.zeros(1, H, D);
        }
    }

    @Benchmark
    public Tensor prefill(Prefill p) {
        float s = Attention.defaultScale(D);
        return switch (p.kind) {
            case "naive" -> Attention.naive(p.q, p.k, p.v, s, AttentionMask.CAUSAL);
            case "flash" -> Attention.flash(p.q, p.k, p.v, s, AttentionMask.CAUSAL);
            case "window512" -> Attention.flash(p.q, p.k, p.v, s, AttentionMask.sliding(512, 0));
            case "window4096" -> Attention.flash(p.q, p.k, p.v, s, AttentionMask.sliding(4096, 0));
            default -> BlockSparse.forward(p.q, p.k, p.v, p.mask, BLOCK, true, s);
        };
    }

    @Benchmark
    public Tensor decodeStep(Decode d) {
        Attention.decode(d.cache, d.q, d.k, d.v, Attention.defaultScale(D), d.o);
        // back to `context` tokens: every invocation sees context + 1 keys (JMH makes thousands of them per second)
        d.cache.truncate(d.context);
        return d.o;
    }

    /** 4·D flops per visible (query, key) pair per head; block-sparse counts its expected visible pairs. */
    public static double flops(String method, Map<String, String> params) {
        if (method.equals("decodeStep")) return 4.0 * D * H * (Integer.parseInt(params.get("context")) + 1);
        long t = Integer.parseInt(params.get("seqLen"));
        String kind = params.get("kind");
        double pairs;
        if (kind.startsWith("window")) {
            long w = Integer.parseInt(kind.substring("window".length()));
            long m = Math.min(w, t);
            pairs = m * (m + 1) / 2.0 + (t - m) * (double) w;
        } else if (kind.startsWith("blocksparse")) {
            double density = Integer.parseInt(kind.substring("blocksparse".length())) / 100.0;
            double nb = Math.ceil(t / (double) BLOCK);
            pairs = nb * BLOCK * (BLOCK + 1) / 2.0 + density * nb * (nb - 1) / 2.0 * BLOCK * BLOCK;
        } else {
            pairs = t * (t + 1) / 2.0;
        }
        return 4.0 * D * H * pairs;
    }
}
