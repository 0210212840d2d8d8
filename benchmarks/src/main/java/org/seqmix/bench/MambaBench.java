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
import org.seqmix.kernels.mamba.Mamba2Ssd;
import org.seqmix.kernels.mamba.SelectiveScan;
import org.seqmix.kernels.mamba.SelectiveStateUpdate;

/**
 * The Mamba kernels at issue 7's shapes, batch 1:
 * <ul>
 *   <li>Mamba-2 (d_model 1024: H = 16 heads of P = 64, N = 128, one group, chunk 64): {@code prefillChunk},
 *       {@code prefillRecurrent}, {@code prefillForward} (the form the rule picks) over {@code seqLen} tokens,
 *       {@code prefillInPlace} ({@code forwardInPlace} on a state and y owned by the benchmark, the state carried
 *       from call to call), and
 *       {@code decodeStep} ({@code selective_state_update}) on a state that went through {@code context} tokens;
 *   <li>Mamba-1 selective scan, D = 2048 channels, N = 16: {@code prefillSelectiveScan} over {@code seqLen} tokens;
 *       its bytes hook counts the inputs and output streamed once (u, delta, z, y: 4 x D floats per token, B and C:
 *       2 x N), so the report's GB/s column gives the ratio to memory bandwidth, and elements/s = T·D·N / time.
 * </ul>
 * dt raw in [-4, -1] with softplus and dt_bias 0 (dt' about 0.02 .. 0.3), A in [-8, -1]: realistic decays.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class MambaBench {
    static final int H = 16, P = 64, N = 128, G = 1, CHUNK = Mamba2Ssd.DEFAULT_CHUNK_SIZE;
    static final int D1 = 2048, N1 = 16;

    @State(Scope.Benchmark)
    public static class Threads {
        @Param({"2"})
        public int threads;

        @Setup(Level.Trial)
        public void threads() {
            Parallel.setThreads(threads);
        }
    }

    /** Mamba-2 inputs of T tokens: x, dt, A, B, C, D, z. */
    static Tensor[] mamba2(int T, long seed) {
        Rng r = new Rng(seed);
        return new Tensor[] {r.normal(1f, 1, T, H, P), r.uniform(-4f, -1f, 1, T, H), r.uniform(-8f, -1f, H), r.normal(1f, 1, T, G, N),
                r.normal(1f, 1, T, G, N), r.normal(1f, H), r.normal(1f, 1, T, H, P)};
    }

    static Mamba2Ssd.Result run(String form, Tensor[] in) {
        return switch (form) {
            case "chunk" -> Mamba2Ssd.chunkScanCombined(in[0], in[1], in[2], in[3], in[4], CHUNK, in[5], in[6], null, true, null, true, null);
            case "recurrent" -> Mamba2Ssd.recurrent(in[0], in[1], in[2], in[3], in[4], in[5], in[6], null, true, null, true, null);
            default -> Mamba2Ssd.forward(in[0], in[1], in[2], in[3], in[4], CHUNK, in[5], in[6], null, true, null, true, null);
        };
    }

    @State(Scope.Benchmark)
    public static class Prefill {
        @Param({"1024", "4096"})
        public int seqLen;

        Tensor[] in;
        Tensor u, delta, a, b, c, d, z, state, y;

        @Setup(Level.Trial)
        public void setup(Threads t) {
            in = mamba2(seqLen, 1);
            state = Tensor.zeros(1, H, P, N);
            y = Tensor.zeros(1, seqLen, H, P);
            Rng r = new Rng(3);
            u = r.normal(1f, 1, seqLen, D1);
            delta = r.uniform(-4f, -1f, 1, seqLen, D1);
            a = r.uniform(-8f, -1f, D1, N1);
            b = r.normal(1f, 1, seqLen, N1);
            c = r.normal(1f, 1, seqLen, N1);
            d = r.normal(1f, D1);
            z = r.normal(1f, 1, seqLen, D1);
        }
    }

    @State(Scope.Benchmark)
    public static class Decode {
        @Param({"1024", "32768"})
        public int context;

        Tensor state, x, dt, a, b, c, d, z, y;

        @Setup(Level.Trial)
        public void setup(Threads t) {
            state = run("recurrent", mamba2(context, 1)).finalState();
            Tensor[] in = mamba2(1, 2);
            x = in[0].reshape(1, H, P);
            dt = in[1].reshape(1, H);
            a = in[2];
            b = in[3].reshape(1, G, N);
            c = in[4].reshape(1, G, N);
            d = in[5];
            z = in[6].reshape(1, H, P);
            y = Tensor.zeros(1, H, P);
        }
    }

    @Benchmark
    public Mamba2Ssd.Result prefillChunk(Prefill p) {
        return run("chunk", p.in);
    }

    @Benchmark
    public Mamba2Ssd.Result prefillRecurrent(Prefill p) {
        return run("recurrent", p.in);
    }

    @Benchmark
    public Mamba2Ssd.Result prefillForward(Prefill p) {
        return run("forward", p.in);
    }

    @Benchmark
    public Tensor prefillInPlace(Prefill p) {
        Tensor[] in = p.in;
        Mamba2Ssd.forwardInPlace(in[0], in[1], in[2], in[3], in[4], CHUNK, in[5], in[6], null, true, p.state, p.y, null);
        return p.y;
    }

    @Benchmark
    public Tensor decodeStep(Decode s) {
        SelectiveStateUpdate.update(s.state, s.x, s.dt, s.a, s.b, s.c, s.d, s.z, null, true, s.y);
        return s.y;
    }

    @Benchmark
    public SelectiveScan.Result prefillSelectiveScan(Prefill p) {
        return SelectiveScan.scan(p.u, p.delta, p.a, p.b, p.c, p.d, p.z, null, true, null, false);
    }

    /**
     * Report hook: flops per op (docs/mamba.md). Mamba-2 chunk: what the chunk form runs,
     * {@link Mamba2Ssd#chunkFlops} (C Bᵀ and M X only on the row blocks at or below the diagonal); recurrent and
     * step {@code 4PN} per token and head; Mamba-1 scan per token and channel {@code 5N} (decay exp not counted,
     * multiply-adds of update and read-out).
     */
    public static double flops(String method, Map<String, String> params) {
        int t = Integer.parseInt(params.getOrDefault("seqLen", "0"));
        double rec = 4.0 * P * N, chunk = Mamba2Ssd.chunkFlops(t, H, P, G, N, CHUNK);
        return switch (method) {
            case "prefillChunk" -> chunk;
            case "prefillRecurrent" -> H * (double) t * rec;
            case "prefillForward", "prefillInPlace" -> Mamba2Ssd.prefersChunk(t, P, N, CHUNK) ? chunk : H * (double) t * rec;
            case "decodeStep" -> H * rec;
            case "prefillSelectiveScan" -> t * D1 * 5.0 * N1;
            default -> Double.NaN;
        };
    }

    /**
     * Report hook: bytes per op. Decode step: the state read and written once ({@code 8·H·P·N}); Mamba-1 scan: the
     * streamed tensors once ({@code 4·T·(4D + 2N)}; the state stays in cache).
     */
    public static double bytes(String method, Map<String, String> params) {
        double t = Double.parseDouble(params.getOrDefault("seqLen", "0"));
        return switch (method) {
            case "decodeStep" -> 8.0 * H * P * N;
            case "prefillSelectiveScan" -> 4.0 * t * (4 * D1 + 2 * N1);
            default -> Double.NaN;
        };
    }

    /** State elements updated per op of the Mamba-1 scan (T·D·N), for the report's elements/s. */
    public static double elements(String method, Map<String, String> params) {
        double t = Double.parseDouble(params.getOrDefault("seqLen", "0"));
        return method.equals("prefillSelectiveScan") ? t * D1 * N1 : Double.NaN;
    }
}
