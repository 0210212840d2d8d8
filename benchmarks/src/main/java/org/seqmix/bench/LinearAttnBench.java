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
import org.seqmix.kernels.linear.GlaOutput;
import org.seqmix.kernels.linear.LinearAttn;

/**
 * The linear-attention kernels at issue 5's shape: B = 1, H = 8, K = V = {@code headDim} (128), unit-norm q and k,
 * log-space gates in [-0.1, -0.001] (no denormal slow paths).
 * <ul>
 *   <li>{@code prefillChunk} / {@code prefillRecurrent} / {@code prefillForward}: the chunk form, the fused recurrent
 *       form and the public entry (which picks one) over {@code seqLen} tokens from a zero state;
 *   <li>{@code decodeStep}: one {@code step*} token on a state that went through {@code context} tokens in the
 *       set-up (the state is constant-size, so the time must not depend on the context; 0 B/op).
 * </ul>
 * {@code op} is simple_gla (default), gla, lightning_attn or linear_attn. Quick defaults here; benchmarks/run full
 * passes seqLen up to 16384 (-p seqLen=65536 for the longest), context 1024..32768.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class LinearAttnBench {
    static final int H = 8, CHUNK = LinearAttn.DEFAULT_CHUNK_SIZE;

    /** Op, head size and threads, shared by all methods. */
    @State(Scope.Benchmark)
    public static class Op {
        @Param({"simple_gla", "gla"})
        public String op;

        @Param({"128"})
        public int headDim;

        @Param({"2"})
        public int threads;

        @Setup(Level.Trial)
        public void threads() {
            Parallel.setThreads(threads);
        }

        boolean perKey() {
            return op.equals("gla");
        }

        /** q, k (unit rows), v, g of T tokens. */
        Tensor[] inputs(int T, long seed) {
            Rng r = new Rng(seed);
            Tensor q = unitRows(r.normal(1f, 1, T, H, headDim)), k = unitRows(r.normal(1f, 1, T, H, headDim));
            Tensor v = r.normal(1f, 1, T, H, headDim);
            Tensor g = switch (op) {
                case "simple_gla" -> r.uniform(-0.1f, -0.001f, 1, T, H);
                case "gla" -> r.uniform(-0.1f, -0.001f, 1, T, H, headDim);
                case "lightning_attn", "linear_attn" -> null;
                default -> throw new IllegalArgumentException("op: expected simple_gla, gla, lightning_attn or linear_attn, got " + op);
            };
            return new Tensor[] {q, k, v, g};
        }

        GlaOutput run(String form, Tensor[] in) {
            Tensor q = in[0], k = in[1], v = in[2], g = in[3];
            float s = LinearAttn.defaultScale(headDim);
            return switch (op + "/" + form) {
                case "simple_gla/chunk" -> LinearAttn.chunkSimpleGla(q, k, v, g, s, null, true, null, CHUNK);
                case "simple_gla/recurrent" -> LinearAttn.fusedRecurrentSimpleGla(q, k, v, g, s, null, true, null);
                case "simple_gla/forward" -> LinearAttn.simpleGla(q, k, v, g, s, null, true, null, CHUNK);
                case "gla/chunk" -> LinearAttn.chunkGla(q, k, v, g, s, null, true, null, CHUNK);
                case "gla/recurrent" -> LinearAttn.fusedRecurrentGla(q, k, v, g, s, null, true, null);
                case "gla/forward" -> LinearAttn.gla(q, k, v, g, s, null, true, null, CHUNK);
                case "lightning_attn/chunk" -> LinearAttn.chunkLightningAttn(q, k, v, 1, 4, s, null, true, null, CHUNK);
                case "lightning_attn/recurrent" -> LinearAttn.fusedRecurrentLightningAttn(q, k, v, 1, 4, s, null, true, null);
                case "lightning_attn/forward" -> LinearAttn.lightningAttn(q, k, v, 1, 4, s, null, true, null, CHUNK);
                case "linear_attn/chunk" -> LinearAttn.chunkLinearAttn(q, k, v, s, null, true, false, null, null, CHUNK);
                case "linear_attn/recurrent" -> LinearAttn.fusedRecurrentLinearAttn(q, k, v, s, null, true, false, null, null);
                case "linear_attn/forward" -> LinearAttn.linearAttn(q, k, v, s, null, true, false, null, null, CHUNK);
                default -> throw new IllegalArgumentException("form: " + form);
            };
        }
    }

    @State(Scope.Benchmark)
    public static class Prefill {
        @Param({"1024", "4096"})
        public int seqLen;

        Op op;
        Tensor[] in;

        @Setup(Level.Trial)
        public void setup(Op o) {
            op = o;
            in = o.inputs(seqLen, 1);
        }
    }

    @State(Scope.Benchmark)
    public static class Decode {
        @Param({"1024", "32768"})
        public int context;

        Op op;
        Tensor q, k, v, g, state, o;

        @Setup(Level.Trial)
        public void setup(Op o) {
            op = o;
            // the state after `context` tokens, then one more token's inputs
            state = o.run("recurrent", o.inputs(context, 1)).finalState();
            Tensor[] t = o.inputs(1, 2);
            int d = o.headDim;
            q = t[0].reshape(1, H, d);
            k = t[1].reshape(1, H, d);
            v = t[2].reshape(1, H, d);
            g = t[3] == null ? null : o.perKey() ? t[3].reshape(1, H, d) : t[3].reshape(1, H);
            this.o = Tensor.zeros(1, H, d);
        }

        void step() {
            float s = LinearAttn.defaultScale(op.headDim);
            switch (op.op) {
                case "simple_gla" -> LinearAttn.stepSimpleGla(q, k, v, g, s, state, o);
                case "gla" -> LinearAttn.stepGla(q, k, v, g, s, state, o);
                case "lightning_attn" -> LinearAttn.stepLightningAttn(q, k, v, 1, 4, s, state, o);
                default -> LinearAttn.stepLinearAttn(q, k, v, s, state, null, o);
            }
        }
    }

    @Benchmark
    public GlaOutput prefillChunk(Prefill p) {
        return p.op.run("chunk", p.in);
    }

    @Benchmark
    public GlaOutput prefillRecurrent(Prefill p) {
        return p.op.run("recurrent", p.in);
    }

    @Benchmark
    public GlaOutput prefillForward(Prefill p) {
        return p.op.run("forward", p.in);
    }

    @Benchmark
    public Tensor decodeStep(Decode d) {
        d.step();
        return d.o;
    }

    static Tensor unitRows(Tensor t) {
        float[] a = t.data();
        int d = t.dim(t.rank() - 1);
        for (int r = 0; r < a.length; r += d) {
            double s = 0;
            for (int i = 0; i < d; i++) s += (double) a[r + i] * a[r + i];
            float inv = (float) (1 / Math.sqrt(s + 1e-12));
            for (int i = 0; i < d; i++) a[r + i] *= inv;
        }
        return t;
    }

    /**
     * Report hook: flops per op. Chunk (docs/linear_attention.md): per token and head {@code 4KV + 2C(K+V)}; GLA's
     * Q Kᵀ covers C/2 + 8 key columns on average and it adds {@code C·K}; recurrent and step: {@code 4KV} (decay, rank-1 update and read-out, 2 flops each less one);
     * forward: the form that the rule picks.
     */
    public static double flops(String method, Map<String, String> params) {
        int d = Integer.parseInt(params.getOrDefault("headDim", "128"));
        boolean gla = "gla".equals(params.get("op"));
        double rec = 4.0 * d * d, chunk = 4.0 * d * d + 2.0 * (gla ? CHUNK / 2.0 + 8 : CHUNK) * d + 2.0 * CHUNK * d + (gla ? (double) CHUNK * d : 0);
        return switch (method) {
            case "prefillChunk" -> H * tokens(params) * chunk;
            case "prefillRecurrent" -> H * tokens(params) * rec;
            case "prefillForward" -> H * tokens(params)
                    * (LinearAttn.form(gla, (int) tokens(params), d, d, CHUNK) == LinearAttn.Form.CHUNK ? chunk : rec);
            case "decodeStep" -> H * rec;
            default -> Double.NaN;
        };
    }

    /** Report hook: bytes per decode step: the state read and written once (8 heads x K x V floats, twice). */
    public static double bytes(String method, Map<String, String> params) {
        int d = Integer.parseInt(params.getOrDefault("headDim", "128"));
        return method.equals("decodeStep") ? 8.0 * d * d * H : Double.NaN;
    }

    private static double tokens(Map<String, String> params) {
        return Double.parseDouble(params.getOrDefault("seqLen", "0"));
    }
}
