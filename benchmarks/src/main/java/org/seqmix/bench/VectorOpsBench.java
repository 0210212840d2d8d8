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
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * The primitives every kernel is built from, through the active {@link VectorizationProvider#ops()} (Panama or
 * the scalar floor, as the report header says), on {@code n} floats that stay in L1/L2. The report turns the
 * time into GB/s from {@link #bytes}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class VectorOpsBench {
    @Param({"4096"})
    public int n;

    VectorOps ops;
    float[] x, y, out;

    @Setup(Level.Trial)
    public void setup() {
        ops = VectorizationProvider.ops();
        x = GemmBench.random(n, 3);
        y = GemmBench.random(n, 4);
        out = new float[n];
    }

    @Benchmark
    public float dot() {
        return ops.dot(x, 0, y, 0, n);
    }

    @Benchmark
    public float[] axpy() {
        // y grows by a tiny multiple of x each call: stays finite for any realistic op count
        ops.axpy(1e-7f, x, 0, y, 0, n);
        return y;
    }

    @Benchmark
    public float[] exp() {
        ops.exp(x, 0, out, 0, n);
        return out;
    }

    /** Report hook: bytes moved per op (reads + writes of float32). */
    public static double bytes(String method, Map<String, String> params) {
        double n = Double.parseDouble(params.get("n"));
        return switch (method) {
            case "dot" -> 8 * n;   // read x, y
            case "axpy" -> 12 * n; // read x, y; write y
            case "exp" -> 8 * n;   // read x; write out
            default -> Double.NaN;
        };
    }

    /** Report hook: flops per op where the count is standard (exp left out: its polynomial is an implementation detail). */
    public static double flops(String method, Map<String, String> params) {
        double n = Double.parseDouble(params.get("n"));
        return switch (method) {
            case "dot", "axpy" -> 2 * n;
            default -> Double.NaN;
        };
    }
}
