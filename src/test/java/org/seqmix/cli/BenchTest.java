package org.seqmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.seqmix.core.Json;
import org.seqmix.core.Parallel;
import org.seqmix.kernels.attention.AttentionMask;

class BenchTest {
    /** Exit code, stdout, stderr of one {@code seqmix bench} run. */
    record Run(int code, String out, String err) {}

    static Run bench(String line) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Bench.run(line.isBlank() ? new String[0] : line.trim().split("\\s+"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "nosuchop                                   | OP: unknown op 'nosuchop'",
        "''                                         | OP: missing",
        "simple_gla extra                           | OP: expected one op",
        "simple_gla --form sideways                 | --form: expected forward|chunk|recurrent|step",
        "gemm --form step                           | --form: gemm has no form 'step'",
        "causal_conv1d --form chunk                 | --form: causal_conv1d has no form 'chunk'",
        "simple_gla --T 0                           | --T: expected an integer >= 1, got 0",
        "mamba2 --P -4                              | --P: expected an integer >= 1, got -4",
        "gemm --M 12x                               | --M: expected an integer, got '12x'",
        "gla --threads 0                            | --threads: expected an integer >= 1, got 0",
        "gla --reps 0                               | --reps: expected an integer >= 1, got 0",
        "gla --warmup -1                            | --warmup: expected an integer >= 0, got -1",
        "gla --T                                    | --T: missing value",
        "gla --colour blue                          | --colour: unknown option",
        "linear_attn --P 4                          | --P: not a parameter of linear_attn",
        "gemm --T 4                                 | --T: not a parameter of gemm",
        "mamba2 --H 6 --G 4                         | --H: expected a multiple of --G = 4, got 6",
        "attention --H 8 --G 3                      | --H: expected a multiple of --G = 3, got 8",
        "attention --sinks 4                        | --sinks: needs --window",
        "attention --kv f16                         | --kv: expected f32|bf16, got 'f16'",
        "attention --density 0.5                    | --density: not a parameter of attention",
        "attention --kv bf16                        | --kv: sets the KV cache of --form step only",
        "block_sparse_attention --kv bf16 --form step | --kv: not a parameter of block_sparse_attention",
        "simple_gla --density 0.5                   | --density: not a parameter of simple_gla",
        "gemm --kv bf16                             | --kv: not a parameter of gemm",
        "block_sparse_attention --density 1.5       | --density: expected a fraction in (0, 1]",
        "gemm --M 65536 --N 65536 --K 4             | --M: shape [65536, 65536] has more than",
        "gated_delta_rule --HV 12 --H 8             | --HV: expected a multiple of --H = 8, got 12",
        "kda --P 4                                  | --P: not a parameter of kda",
        "selective_scan --inplace                   | --inplace: only the delta-rule ops' recurrent / forward form, mamba2's",
        "mamba2 --inplace --form step               | --inplace: only the delta-rule ops' recurrent / forward form, mamba2's",
        "gated_delta_rule --inplace --form chunk    | --inplace: only the delta-rule ops' recurrent / forward form, mamba2's",
        "simple_gla --inplace                       | --inplace: only the delta-rule ops' recurrent / forward form, mamba2's",
        "gla --inplace --form chunk                 | --inplace: only the delta-rule ops' recurrent / forward form, mamba2's",
        "linear_attn --inplace --form step          | --inplace: only the delta-rule ops' recurrent / forward form, mamba2's",
    })
    void rejectedCommandLinesExit2WithOneLineNamingTheOption(String line, String expected) {
        Run r = bench(line);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("seqmix bench: " + expected), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.out().isEmpty(), "nothing timed: " + r.out());
    }

    @Test
    void rejectedRunLeavesThreadCountUnchanged() {
        int before = Parallel.threads();
        assertEquals(2, bench("mamba2 --threads 3 --H 6 --G 4").code());
        assertEquals(before, Parallel.threads());
    }

    @Test
    void preparedCallRunsAndBadCommandLinesNameTheOption() {
        int saved = Parallel.threads();
        try {
            Runnable r = Bench.prepare("gemm", "--M", "8", "--N", "16", "--K", "4", "--threads", "1");
            r.run();   // a prepared gemm runs without throwing, on the thread count it asked for
            assertEquals(1, Parallel.threads());
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Bench.prepare("mamba2", "--H", "0"));
            assertTrue(e.getMessage().contains("--H"), e.getMessage());
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void helpListsEveryOpAndExits0() {
        Run r = bench("--help");
        assertEquals(0, r.code());
        for (String op : BenchOps.OPS) assertTrue(r.out().contains(op), op);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "gemm --M 8 --N 16 --K 24                                   | forward | M=8,N=16,K=24",
        "gated_delta_rule --T 20 --H 2 --HV 4 --K 16 --V 8 --chunk 8 | forward | B=1,T=20,H=2,HV=4,K=16,V=8,chunk=8",
        "delta_rule --T 20 --H 2 --K 16 --V 8 --form recurrent      | recurrent | T=20,H=2,HV=2",
        "kda --T 20 --H 2 --K 16 --V 8 --form chunk                 | chunk | T=20,K=16",
        "gdn2 --T 20 --H 2 --K 16 --V 8                             | forward | T=20,V=8",
        "gdn2 --B 2 --H 2 --HV 4 --K 16 --V 8 --form recurrent --T 5 | recurrent | B=2,HV=4",
        "gated_delta_rule --B 2 --H 2 --HV 4 --K 16 --V 8 --form step | step | B=2,H=2,HV=4",
        "kda --H 2 --K 16 --V 8 --form step                         | step | H=2",
        "gdn2 --H 2 --K 16 --V 8 --form step                        | step | H=2",
        "delta_rule --H 2 --K 16 --V 8 --form step                  | step | H=2",
        "linear_attn --T 20 --H 2 --K 16 --V 8 --chunk 8            | forward | B=1,T=20,H=2,K=16,V=8,chunk=8",
        "simple_gla --T 20 --H 2 --K 16 --V 8 --form recurrent      | recurrent | T=20,H=2",
        "lightning_attn --T 20 --H 2 --K 16 --V 8 --form chunk      | chunk | T=20,chunk=64",
        "gla --B 2 --H 2 --K 16 --V 8 --form step                   | step | B=2,H=2,K=16,V=8",
        "mamba2 --T 20 --H 4 --P 8 --N 16 --G 2 --chunk 8           | forward | H=4,P=8,N=16,G=2,chunk=8",
        "mamba2 --B 2 --T 12 --H 4 --P 8 --N 16 --form recurrent    | recurrent | B=2,T=12",
        "mamba2 --H 4 --P 8 --N 16 --form step                      | step | H=4,P=8,N=16",
        "selective_scan --T 12 --D 16 --N 4                         | forward | T=12,D=16,N=4",
        "selective_scan --B 2 --D 16 --N 4 --form step              | step | B=2,D=16,N=4",
        "causal_conv1d --T 12 --D 16 --W 3                          | forward | T=12,D=16,W=3",
        "causal_conv1d --D 16 --form step                           | step | D=16,W=4",
        "attention --T 40 --H 4 --G 2 --D 16                        | forward | T=40,H=4,G=2,D=16",
        "attention --T 40 --H 2 --D 16 --window 8 --sinks 2         | forward | window=8,sinks=2",
        "attention --T 40 --H 2 --D 16 --form step --kv bf16        | step | T=40,kv=bf16",
        "attention --T 40 --H 2 --D 16 --window 8 --form step       | step | window=8",
        "block_sparse_attention --T 40 --H 2 --D 16 --block 8       | forward | block=8,density=0.25",
        "block_sparse_attention --T 40 --H 2 --D 16 --block 8 --density 0.5 --form step | step | density=0.5",
    })
    void jsonLineParsesAndHasTheFields(String line, String form, String shape) {
        Run r = bench(line + " --json --threads 2 --warmup 1 --reps 3");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        Map<String, Object> m = Json.parseObject(r.out().strip());
        assertEquals(line.split(" ")[0], m.get("op"));
        assertEquals(form, m.get("form"));
        assertEquals(2, ((Number) m.get("threads")).intValue());
        assertEquals(3, ((Number) m.get("reps")).intValue());
        for (String kv : shape.split(",")) {
            String[] p = kv.split("=");
            Object v = m.get(p[0]);
            assertTrue(v != null, "field " + p[0] + " in " + m);
            assertEquals(p[1], v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !p[1].contains(".")
                    ? String.valueOf(n.longValue()) : String.valueOf(v), p[0]);
        }
        double median = ((Number) m.get("median_ms")).doubleValue(), min = ((Number) m.get("min_ms")).doubleValue();
        assertTrue(median > 0 && min > 0 && min <= median, m.toString());
        assertTrue(((Number) m.get("gflops")).doubleValue() > 0, m.toString());
        assertTrue(((Number) m.get("bytes_per_op")).longValue() >= 0, m.toString());
        assertTrue(((Number) m.get("bytes_per_op_all_threads")).longValue() >= 0, m.toString());
        assertTrue(m.containsKey("kernel") && m.containsKey("simd"), m.toString());
    }

    @Test
    void inplaceTimesTheInPlaceEntry() {
        for (String op : new String[] {"gated_delta_rule", "kda", "gdn2", "delta_rule"}) {
            Run r = bench(op + " --T 200 --H 4 --K 64 --V 64 --inplace --json --threads 2 --warmup 3 --reps 3");
            assertEquals(0, r.code(), r.err());
            Map<String, Object> m = Json.parseObject(r.out().strip());
            // (bytes_per_op is no test here: before C2 compiles them, vector operations allocate)
            assertEquals("recurrent_inplace", m.get("kernel"), op);
        }
        // mamba2: each form's in-place entry (forward at this length runs the recurrent form, Mamba2Ssd.prefersChunk)
        String[][] mamba = {{"forward", "recurrent_inplace"}, {"recurrent", "recurrent_inplace"}, {"chunk", "chunk_inplace"}};
        for (String[] form : mamba) {
            Run r = bench("mamba2 --T 100 --H 4 --P 16 --N 32 --form " + form[0] + " --inplace --json --threads 2 --warmup 3 --reps 3");
            assertEquals(0, r.code(), r.err());
            assertEquals(form[1], Json.parseObject(r.out().strip()).get("kernel"), form[0]);
        }
        // the linear ops: the recurrent form only (their forward may pick the chunk form, rejected above)
        for (String op : new String[] {"linear_attn", "simple_gla", "lightning_attn", "gla"}) {
            Run r = bench(op + " --T 100 --H 4 --K 32 --V 48 --form recurrent --inplace --json --threads 2 --warmup 3 --reps 3");
            assertEquals(0, r.code(), r.err());
            assertEquals("recurrent_inplace", Json.parseObject(r.out().strip()).get("kernel"), op);
        }
    }

    @Test
    void summaryLineWithoutJson() {
        Run r = bench("gemm --M 4 --N 4 --K 4 --warmup 0 --reps 1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("gemm forward (sgemm") && r.out().contains("M=4 N=4 K=4") && r.out().contains("GFLOP/s"), r.out());
    }

    @Test
    void flopCountsFollowTheDocumentedFormulas() {
        // gemm: 2MNK
        assertEquals(2.0 * 8 * 16 * 24, BenchOps.build(BenchOptions.parse("gemm --M 8 --N 16 --K 24".split(" "), 1)).flops());
        // simple_gla chunk, C = min(chunk, T): T·H·(4KV + 2C(K+V))
        assertEquals(20 * 2 * (4.0 * 16 * 8 + 2.0 * 8 * 24),
                BenchOps.build(BenchOptions.parse("simple_gla --T 20 --H 2 --K 16 --V 8 --chunk 8 --form chunk".split(" "), 1)).flops());
        // forward at this small state runs the recurrent form (LinearAttn.form): 5KV per head-token with a decay
        assertEquals(20 * 2 * 5.0 * 16 * 8,
                BenchOps.build(BenchOptions.parse("simple_gla --T 20 --H 2 --K 16 --V 8 --chunk 8".split(" "), 1)).flops());
        // linear_attn step: 4KV per head, no decay
        assertEquals(2 * 2 * 4.0 * 16 * 8, BenchOps.build(BenchOptions.parse("linear_attn --B 2 --H 2 --K 16 --V 8 --form step".split(" "), 1)).flops());
        // causal attention forward: 4D per visible pair, T(T+1)/2 pairs per head
        assertEquals(4.0 * 16 * (10 * 11 / 2) * 3, BenchOps.build(BenchOptions.parse("attention --T 10 --H 3 --D 16".split(" "), 1)).flops());
    }

    @Test
    void visibleKeysOfAWindowWithSinks() {
        AttentionMask m = AttentionMask.sliding(4, 2);
        for (int i = 0; i < 20; i++) {
            int n = 0;
            for (int j = 0; j <= i; j++) if (m.visible(i, j)) n++;
            assertEquals(n, BenchAttention.visible(m, i), "position " + i);
        }
        assertEquals(8, BenchAttention.visible(AttentionMask.CAUSAL, 7));
    }

    @Test
    void allocationIsCountedOnTheCallingThreadAndOnPoolWorkers() {
        // 1 KiB per call on the caller, 8 x 1 KiB on the pool: the caller's figure sees only its own share
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            long[] sink = new long[1];
            Bench.Timing t = Bench.time(() -> {
                sink[0] += new byte[1024].length;
                Parallel.forRange(8, i -> sink[0] += new byte[1024].length);
            }, 50, 20);
            assertTrue(t.bytesPerOp() >= 1024, t.toString());
            assertTrue(t.bytesPerOpAllThreads() >= 9 * 1024, t.toString());
            assertTrue(t.bytesPerOpAllThreads() >= t.bytesPerOp(), t.toString());
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
