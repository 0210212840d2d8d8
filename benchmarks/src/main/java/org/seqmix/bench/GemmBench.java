package org.seqmix.bench;

import java.util.Map;
import java.util.SplittableRandom;
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
import org.seqmix.kernels.Gemm;

/**
 * {@code C = A B} through {@link Gemm#sgemm} (no transposes, alpha 1, beta 0) with {@code seqmix} threads set
 * by {@link Parallel#setThreads}. {@code shape} is {@code N} (square) or {@code MxNxK}: the square sweep, the
 * chunk shapes of the chunkwise kernels (64x128x128, 64x64x128) and, in full mode, a projection-sized
 * 4096x14336x512. Quick defaults here; benchmarks/run passes the full lists with {@code -p}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GemmBench {
    /** Shapes benchmarks/run uses in full mode. */
    public static final String FULL_SHAPES = "256,512,1024,2048,4096,64x128x128,64x64x128,4096x14336x512";

    @Param({"256", "512", "1024", "2048", "64x128x128", "64x64x128"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    int m, n, k;
    float[] a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        int[] mnk = parse(shape);
        m = mnk[0];
        n = mnk[1];
        k = mnk[2];
        a = random(m * k, 1);
        b = random(k * n, 2);
        c = new float[m * n];
        Parallel.setThreads(threads);
    }

    @Benchmark
    public float[] sgemm() {
        Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        return c;
    }

    /** "N" -> {N, N, N}; "MxNxK" -> {M, N, K}. */
    static int[] parse(String shape) {
        String[] p = shape.trim().split("x");
        if (p.length == 1) {
            int s = Integer.parseInt(p[0]);
            return new int[] {s, s, s};
        }
        if (p.length != 3) throw new IllegalArgumentException("shape: expected N or MxNxK, got " + shape);
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    static float[] random(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /** Report hook: floating-point operations per benchmark op (2MNK). */
    public static double flops(String method, Map<String, String> params) {
        int[] mnk = parse(params.get("shape"));
        return 2.0 * mnk[0] * mnk[1] * mnk[2];
    }
}
