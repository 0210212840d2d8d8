package org.seqmix.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The machine's achievable float32 FMA peak, measured in the same sitting as the other suites: a
 * register-blocked loop of 8 independent FloatVector accumulators (enough to cover FMA latency x 2 pipes on
 * Zen 3 / Skylake) fed from an L1-resident array, one JMH thread per core. Throughput mode, so the 2-thread
 * score is the sum over both threads. Needs {@code --add-modules jdk.incubator.vector} (always on in the forks).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FmaPeakBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per pass: 4 KiB, well inside L1d. */
    static final int LEN = 1024;
    static final int PASSES = 4;
    static final int ACCUMULATORS = 8;

    float[] data;

    @Setup(Level.Trial)
    public void setup() {
        data = GemmBench.random(LEN, 5);
    }

    @Benchmark
    @Threads(1)
    public float fma1Thread() {
        return kernel();
    }

    @Benchmark
    @Threads(2)
    public float fma2Threads() {
        return kernel();
    }

    private float kernel() {
        FloatVector c0 = FloatVector.broadcast(S, 0.999f), c1 = FloatVector.broadcast(S, 1.001f);
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        float[] d = data;
        int step = S.length();
        for (int p = 0; p < PASSES; p++) {
            for (int i = 0; i + step <= LEN; i += step) {
                FloatVector v = FloatVector.fromArray(S, d, i);
                a0 = v.fma(c0, a0);
                a1 = v.fma(c1, a1);
                a2 = v.fma(c0, a2);
                a3 = v.fma(c1, a3);
                a4 = v.fma(c0, a4);
                a5 = v.fma(c1, a5);
                a6 = v.fma(c0, a6);
                a7 = v.fma(c1, a7);
            }
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /** Report hook: 2 flops per FMA lane; LEN is a multiple of every species length. */
    public static double flops(String method, Map<String, String> params) {
        return 2.0 * ACCUMULATORS * LEN * PASSES;
    }
}
