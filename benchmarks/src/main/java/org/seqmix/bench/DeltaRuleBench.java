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
import org.seqmix.kernels.deltarule.DeltaRule;
import org.seqmix.kernels.deltarule.DeltaRuleOutput;
import org.seqmix.kernels.deltarule.DeltaRuleStep;

/**
 * The gated delta rule (Gated DeltaNet) at issue 6's shapes, batch 1, H = 8 q/k heads, {@code hv} = 8 or 16 value
 * heads, K = V = 128, chunk 64, q and k l2-normalised in the kernel (as the layer): {@code prefillChunk} (the
 * chunkwise WY form), {@code prefillRecurrent} and {@code prefillForward} (the form {@code DeltaRule.gatedDeltaRule}
 * picks) over {@code tokens} tokens, {@code prefillInPlace} (the recurrent form's in-place entry on a state and o
 * owned by the benchmark, the state carried from call to call: should allocate ~0 B/op), and {@code decodeStep} on a state that went through {@code context} tokens
 * (should be flat in the context and allocate 0 B/op). Flash and naive attention at the same width (8 heads of 128)
 * are in AttentionBench. g = log decays in [-0.5, -0.01] per token and head, beta in [0, 1].
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class DeltaRuleBench {
    static final int H = 8, K = 128, V = 128, CHUNK = DeltaRule.DEFAULT_CHUNK;

    @State(Scope.Benchmark)
    public static class Threads {
        @Param({"2"})
        public int threads;

        @Setup(Level.Trial)
        public void threads() {
            Parallel.setThreads(threads);
        }
    }

    /** q, k [1,T,H,K], v [1,T,HV,V], g [1,T,HV], beta [1,T,HV]. */
    static Tensor[] inputs(int t, int hv, long seed) {
        Rng r = new Rng(seed);
        return new Tensor[] {r.normal(1f, 1, t, H, K), r.normal(1f, 1, t, H, K), r.normal(1f, 1, t, hv, V),
                r.uniform(-0.5f, -0.01f, 1, t, hv), r.uniform(0f, 1f, 1, t, hv)};
    }

    static DeltaRuleOutput run(String form, Tensor[] in, boolean finalState) {
        return switch (form) {
            case "chunk" -> DeltaRule.chunkGatedDeltaRule(in[0], in[1], in[2], in[3], in[4], null, null, finalState, null, true, CHUNK);
            case "recurrent" -> DeltaRule.recurrentGatedDeltaRule(in[0], in[1], in[2], in[3], in[4], null, null, finalState, null, true);
            default -> DeltaRule.gatedDeltaRule(in[0], in[1], in[2], in[3], in[4], null, null, finalState, null, true, CHUNK);
        };
    }

    @State(Scope.Benchmark)
    public static class Prefill {
        @Param({"1024", "4096", "16384"})
        public int tokens;

        @Param({"8", "16"})
        public int hv;

        Tensor[] in;
        Tensor state, o;

        @Setup(Level.Trial)
        public void setup(Threads t) {
            in = inputs(tokens, hv, 1);
            state = Tensor.zeros(1, hv, K, V);
            o = Tensor.zeros(1, tokens, hv, V);
        }
    }

    @State(Scope.Benchmark)
    public static class Decode {
        @Param({"1024", "32768"})
        public int context;

        @Param({"8", "16"})
        public int hv;

        DeltaRuleStep step;
        Tensor state, q, k, v, g, beta, o;

        @Setup(Level.Trial)
        public void setup(Threads t) {
            state = run("chunk", inputs(context, hv, 1), true).finalState();
            Tensor[] in = inputs(1, hv, 2);
            q = in[0].reshape(1, H, K);
            k = in[1].reshape(1, H, K);
            v = in[2].reshape(1, hv, V);
            g = in[3].reshape(1, hv);
            beta = in[4].reshape(1, hv);
            o = Tensor.zeros(1, hv, V);
            step = new DeltaRuleStep(1, H, hv, K, V, null, true);
        }
    }

    @Benchmark
    public DeltaRuleOutput prefillChunk(Prefill p) {
        return run("chunk", p.in, false);
    }

    @Benchmark
    public DeltaRuleOutput prefillRecurrent(Prefill p) {
        return run("recurrent", p.in, false);
    }

    @Benchmark
    public DeltaRuleOutput prefillForward(Prefill p) {
        return run("forward", p.in, false);
    }

    @Benchmark
    public Tensor prefillInPlace(Prefill p) {
        Tensor[] in = p.in;
        DeltaRule.recurrentGatedDeltaRuleInPlace(in[0], in[1], in[2], in[3], in[4], null, p.state, p.o, null, true);
        return p.o;
    }

    @Benchmark
    public Tensor decodeStep(Decode s) {
        s.step.gatedDeltaRule(s.q, s.k, s.v, s.g, s.beta, s.state, s.o);
        return s.o;
    }

    /**
     * Report hook: flops per op (docs/gated_deltanet.md, the same counts as {@code seqmix bench gated_delta_rule}):
     * per value-head token, chunk {@code 6KV + 4CK + 2C(K+V) + 2CV + C²/3}, recurrent and step {@code 7KV}; the
     * l2 norms are not counted. prefillForward runs the recurrent form on this CPU (DeltaRule's measured rule).
     */
    public static double flops(String method, Map<String, String> params) {
        double t = Double.parseDouble(params.getOrDefault("tokens", "1")), hv = Double.parseDouble(params.getOrDefault("hv", "8"));
        double c = Math.min(CHUNK, t);
        double chunk = 6.0 * K * V + 4.0 * c * K + 2.0 * c * (K + V) + 2.0 * c * V + c * c / 3, rec = 7.0 * K * V;
        return switch (method) {
            case "prefillChunk" -> hv * t * chunk;
            case "prefillRecurrent", "prefillForward", "prefillInPlace" -> hv * t * rec;
            case "decodeStep" -> hv * rec;
            default -> Double.NaN;
        };
    }

    /** Report hook: the decode step reads and writes the state once ({@code 8·HV·K·V} bytes). */
    public static double bytes(String method, Map<String, String> params) {
        double hv = Double.parseDouble(params.getOrDefault("hv", "8"));
        return method.equals("decodeStep") ? 8.0 * hv * K * V : Double.NaN;
    }
}
