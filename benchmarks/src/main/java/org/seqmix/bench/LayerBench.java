package org.seqmix.bench;

import java.lang.reflect.Method;
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
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.KVCache;
import org.seqmix.layers.AttentionCache;
import org.seqmix.layers.MixerCache;
import org.seqmix.layers.SequenceMixer;

/**
 * Any {@link SequenceMixer}, chosen by the {@code layer} param (a class name in {@code org.seqmix.layers} with
 * a {@code public static demo(long seed)} factory), batch 1:
 * <ul>
 *   <li>{@code prefill}: {@code forward(x[1, seqLen, hidden], null)};
 *   <li>{@code decode}: one {@code step} after the cache was filled by {@code forward} over {@code context}
 *       tokens in the trial set-up. The cache keeps growing by one token per measured step (a few percent
 *       of the context for attention; nothing for the constant-state mixers); layers with a fixed-capacity
 *       cache are built with room for {@code context + }{@link #DECODE_HEADROOM} tokens.
 * </ul>
 * benchmarks/run passes {@code -p layer=<the names whose class loads>} (see {@link Layers}) and runs this
 * suite with {@code -prof gc}: B/op of decode must be ~0 (allocation-free step), B/op of prefill is the
 * report's memory proxy.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class LayerBench {
    /** Values benchmarks/run uses in full mode. */
    public static final String FULL_SEQ_LENS = "1024,4096,16384";
    public static final String FULL_CONTEXTS = "1024,4096,16384,32768";
    /** Tokens a decode trial may append after its context: more steps than a full-mode run makes at ~0.1 ms each. */
    public static final int DECODE_HEADROOM = 1 << 18;

    /** The layer under test, shared by both forms. */
    @State(Scope.Benchmark)
    public static class Layer {
        @Param({"GatedDeltaNet", "Mamba2", "Mamba", "LinearAttention", "GLA", "LightningAttention", "KDA",
                "SlidingWindowAttention", "BlockSparseAttention", "MultiHeadAttention"})
        public String layer;

        SequenceMixer mixer;

        @Setup(Level.Trial)
        public void build() {
            mixer = Layers.demo(layer, 42);
        }

        Tensor input(int tokens, long seed) {
            return new Rng(seed).normal(1f, 1, tokens, mixer.hiddenSize());
        }
    }

    @State(Scope.Benchmark)
    public static class Prefill {
        @Param({"1024", "4096"})
        public int seqLen;

        SequenceMixer mixer;
        Tensor x;

        @Setup(Level.Trial)
        public void setup(Layer l) {
            mixer = l.mixer;
            x = l.input(seqLen, 1);
        }
    }

    @State(Scope.Benchmark)
    public static class Decode {
        @Param({"1024", "8192"})
        public int context;

        SequenceMixer mixer;
        MixerCache cache;
        KVCache rewind;
        Tensor token, y;

        @Setup(Level.Trial)
        public void setup(Layer l) {
            // same weights as l.mixer (same seed), sized for the context plus the measured steps
            mixer = Layers.demo(l.layer, 42, context + DECODE_HEADROOM);
            cache = mixer.newCache(1);
            mixer.forward(l.input(context, 1), cache);
            token = l.input(1, 2).reshape(1, mixer.hiddenSize());
            y = Tensor.zeros(1, mixer.hiddenSize());
            // a growing KV cache is cut back to the context after each step, so every step sees context + 1 keys;
            // the block-sparse cache's block sums cannot be cut back: its context grows by one per step
            if (cache instanceof AttentionCache a && !a.kv().isRing() && !l.layer.equals("BlockSparseAttention")) rewind = a.kv();
        }
    }

    @Benchmark
    public Tensor prefill(Prefill s) {
        return s.mixer.forward(s.x, null);
    }

    @Benchmark
    public Tensor decode(Decode s) {
        s.mixer.step(s.token, s.cache, s.y);
        if (s.rewind != null) s.rewind.truncate(s.context);
        return s.y;
    }

    /**
     * Report hook: flops per op only when the layer class exposes
     * {@code public static double flops(int batch, int seqLen, int context)} (prefill: seqLen tokens from empty;
     * decode: one token at the given context); otherwise unknown (NaN, the column stays empty).
     */
    public static double flops(String method, Map<String, String> params) {
        Method m;
        try {
            m = Class.forName("org.seqmix.layers." + params.get("layer")).getMethod("flops", int.class, int.class, int.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            return Double.NaN;
        }
        try {
            return switch (method) {
                case "prefill" -> ((Number) m.invoke(null, 1, Integer.parseInt(params.get("seqLen")), 0)).doubleValue();
                case "decode" -> ((Number) m.invoke(null, 1, 1, Integer.parseInt(params.get("context")))).doubleValue();
                default -> Double.NaN;
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
