package org.seqmix.cli;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.seqmix.core.Json;
import org.seqmix.core.Parallel;
import org.seqmix.kernels.VectorizationProvider;

/**
 * {@code seqmix bench OP [options]}: times one kernel at one shape on seeded realistic inputs and prints one
 * summary line, or with {@code --json} one JSON object. Everything is allocated before the timed calls; each
 * timed call is one kernel invocation. A rejected command line prints one line naming the option and returns 2
 * without timing anything.
 */
public final class Bench {
    private Bench() {}

    static final String USAGE = """
            usage: seqmix bench OP [options]
              OP: gated_delta_rule kda gdn2 delta_rule simple_gla gla lightning_attn linear_attn mamba2
                  selective_scan causal_conv1d attention block_sparse_attention gemm
              --form forward|chunk|recurrent|step   (default forward = what the public API runs for the shape:
                      recurrent for the delta-rule family, LinearAttn.form / Mamba2Ssd's rule for the linear and mamba2
                      families, flash for attention; step = one decode token with the state or KV cache already
                      holding --T tokens)
              --threads N (default: seqmix.threads or the CPU count)  --warmup N (default: until timings settle, 2-20 s, at most 5000 calls)
              --reps N (10, step 100)  --json
              --inplace   (delta-rule recurrent / forward, mamba2 forward / recurrent / chunk, linear ops recurrent:
                           the in-place entry, state and output owned by the caller, the state updated from call to
                           call, nothing of the problem's size allocated per call)
            shape options and defaults per op:
              delta_rule gated_delta_rule kda gdn2   --B 1 --T 1024 --H 8 (q/k heads) --HV H (value heads)
                               --K 128 --V 128 --chunk 64   (q, k l2-normalised in the kernel)
              linear_attn simple_gla lightning_attn gla   --B 1 --T 1024 --H 8 --K 128 --V 128 --chunk 64
              mamba2           --B 1 --T 512 --H 48 --P 64 --N 128 --G 1 --chunk 64  (no D, no z, as ggml SSM_SCAN)
              selective_scan   --B 1 --T 512 --D 1536 --N 16      (forms forward = recurrent, step)
              causal_conv1d    --B 1 --T 1024 --D 2048 --W 4      (forms forward, step)
              attention        --B 1 --T 4096 --H 8 (query heads) --G H (kv heads) --D 128 [--window W --sinks S]
                               [--kv f32|bf16 (step: KV cache entries)]     (forms forward, step)
              block_sparse_attention --B 1 --T 4096 --H 8 --G H --D 128 --block 64 --density 0.25  (forward, step)
              gemm             --M 2048 --N 2048 --K 2048: C[M,N] = A[M,K] B[N,K]^T   (form forward)
            JSON fields: op, form, kernel, threads, shape fields, median_ms, min_ms, gflops, bytes_per_op
            (bytes allocated per call on the calling thread), bytes_per_op_all_threads (pool workers included),
            warmup, reps, simd.
            Flop formulas per op: docs/bench_cli.md""";

    /** Runs the command; returns the exit code (0, or 2 for a rejected command line). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args, Parallel.threads());
        } catch (BenchException e) {
            err.println("seqmix bench: " + e.getMessage());
            return 2;
        }
        if (o.help) {
            out.println(USAGE);
            return 0;
        }
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(o.threads);
            BenchCase c;
            try {
                c = BenchOps.build(o);
            } catch (BenchException | IllegalArgumentException e) {
                err.println("seqmix bench: " + e.getMessage());
                return 2;
            } catch (OutOfMemoryError e) {
                err.println("seqmix bench: not enough memory for this shape (raise -Xmx)");
                return 2;
            }
            out.println(format(o, c, time(c.call(), o.warmup, o.reps)));
            return 0;
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /**
     * The call {@code seqmix bench ARGS} would time, prepared (inputs allocated, the thread count set) but not run,
     * for harnesses that time two builds against each other in one JVM (benchmarks/tools/AbCompare.java).
     *
     * @throws IllegalArgumentException for a command line {@code seqmix bench} would reject (the message names it)
     */
    public static Runnable prepare(String... args) {
        try {
            BenchOptions o = BenchOptions.parse(args, Parallel.threads());
            Parallel.setThreads(o.threads);
            return BenchOps.build(o).call();
        } catch (BenchException e) {
            throw new IllegalArgumentException("seqmix bench: " + e.getMessage(), e);
        }
    }

    /**
     * Median and minimum of the timed calls; bytes allocated per call on this thread, and on every thread alive
     * when timing started (Parallel's pool workers included: work they run is invisible to the first figure).
     */
    record Timing(double medianMs, double minMs, long bytesPerOp, long bytesPerOpAllThreads) {}

    /**
     * Until the JIT has settled: at least 3 calls and 2 s, then until the fastest call has not improved by 2% for
     * 10 calls and 1 s (a kernel called once per call, e.g. the softplus of a 30 ms prefill, can reach C2 only
     * seconds in, and its C1 code runs vector ops as allocating Java); at most {@link BenchOptions#WARMUP_CAP}
     * calls or 20 s.
     */
    static void autoWarmup(Runnable call) {
        long t0 = System.nanoTime(), improved = t0, best = Long.MAX_VALUE;
        for (int i = 0, since = 0; i < BenchOptions.WARMUP_CAP; i++) {
            long s = System.nanoTime();
            call.run();
            long now = System.nanoTime(), d = now - s;
            if (d < best * 0.98) {
                best = d;
                improved = now;
                since = 0;
            } else {
                since++;
            }
            boolean settled = since >= 10 && now - improved >= 1_000_000_000L;
            if ((i >= 2 && now - t0 >= 2_000_000_000L && settled) || now - t0 >= 20_000_000_000L) return;
        }
    }

    static Timing time(Runnable call, int warmup, int reps) {
        if (warmup == BenchOptions.AUTO_WARMUP) {
            autoWarmup(call);
        } else {
            for (int i = 0; i < warmup; i++) call.run();
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ns = new long[reps];
        long[] ids = mx.getAllThreadIds();
        long[] all0 = mx.getThreadAllocatedBytes(ids);
        long bytes0 = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            call.run();
            ns[i] = System.nanoTime() - t0;
        }
        long bytes = mx.getCurrentThreadAllocatedBytes() - bytes0;
        long[] all1 = mx.getThreadAllocatedBytes(ids);
        long allBytes = 0;
        for (int i = 0; i < ids.length; i++) if (all0[i] >= 0 && all1[i] >= 0) allBytes += all1[i] - all0[i];
        Arrays.sort(ns);
        double median = reps % 2 == 1 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2.0;
        return new Timing(median / 1e6, ns[0] / 1e6, Math.round((double) bytes / reps), Math.round((double) allBytes / reps));
    }

    static String format(BenchOptions o, BenchCase c, Timing t) {
        double gflops = c.flops() / (t.medianMs() * 1e6);
        if (o.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("op", o.op);
            m.put("form", o.form);
            m.put("kernel", c.kernel());
            m.put("threads", o.threads);
            m.putAll(c.fields());
            m.put("median_ms", round(t.medianMs()));
            m.put("min_ms", round(t.minMs()));
            m.put("gflops", round(gflops));
            m.put("bytes_per_op", t.bytesPerOp());
            m.put("bytes_per_op_all_threads", t.bytesPerOpAllThreads());
            m.put("warmup", o.warmup == BenchOptions.AUTO_WARMUP ? "auto" : o.warmup);
            m.put("reps", o.reps);
            m.put("simd", VectorizationProvider.ops().name());
            return Json.write(m);
        }
        StringBuilder shape = new StringBuilder();
        for (var e : c.fields().entrySet()) shape.append(' ').append(e.getKey()).append('=').append(e.getValue());
        return String.format(Locale.ROOT, "%s %s (%s)%s threads=%d: median %.4f ms, min %.4f ms, %.2f GFLOP/s, %d B/op (all threads %d) (%d reps, %s)",
                o.op, o.form, c.kernel(), shape, o.threads, t.medianMs(), t.minMs(), gflops, t.bytesPerOp(), t.bytesPerOpAllThreads(), o.reps,
                VectorizationProvider.ops().name());
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
