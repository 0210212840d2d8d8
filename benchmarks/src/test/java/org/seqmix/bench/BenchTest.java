package org.seqmix.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seqmix.core.Tensor;

class BenchTest {
    @Test
    void gemmShapesAndFlops() {
        assertArrayEquals(new int[] {256, 256, 256}, GemmBench.parse("256"));
        assertArrayEquals(new int[] {4096, 14336, 512}, GemmBench.parse("4096x14336x512"));
        assertThrows(IllegalArgumentException.class, () -> GemmBench.parse("4x4"));
        assertEquals(2.0 * 64 * 128 * 32, GemmBench.flops("sgemm", Map.of("shape", "64x128x32")));
    }

    @Test
    void gemmBenchComputesTheProduct() {
        GemmBench g = new GemmBench();
        g.shape = "3x5x4";
        g.threads = 1;
        g.setup();
        float[] c = g.sgemm();
        float want = 0;
        for (int p = 0; p < 4; p++) want += g.a[1 * 4 + p] * g.b[p * 5 + 2];
        assertEquals(want, c[1 * 5 + 2], 1e-5f);
    }

    @Test
    void layersSkipsAbsentClasses() {
        assertEquals(List.of("BenchTestMixer"), Layers.available(List.of("NoSuchLayer", "BenchTestMixer", "Tensor")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layers.demo("NoSuchLayer", 1));
        assertTrue(e.getMessage().contains("org.seqmix.layers.NoSuchLayer"), e.getMessage());
    }

    @Test
    void layerBenchDecodeContinuesThePrefilledCache() {
        LayerBench.Layer l = new LayerBench.Layer();
        l.layer = "BenchTestMixer";
        l.build();
        LayerBench.Decode d = new LayerBench.Decode();
        d.context = 5;
        d.setup(l);
        assertEquals(5, d.cache.tokens());
        Tensor y = new LayerBench().decode(d);
        assertEquals(6, d.cache.tokens());
        // the same as forward over context + token from empty
        Tensor all = Tensor.zeros(1, 6, 8);
        Tensor ctx = l.input(5, 1);
        for (int t = 0; t < 5; t++) for (int h = 0; h < 8; h++) all.set(ctx.get(0, t, h), 0, t, h);
        for (int h = 0; h < 8; h++) all.set(d.token.get(0, h), 0, 5, h);
        Tensor ref = l.mixer.forward(all, null);
        for (int h = 0; h < 8; h++) assertEquals(ref.get(0, 5, h), y.get(0, h), 1e-6f);

        LayerBench.Prefill p = new LayerBench.Prefill();
        p.seqLen = 7;
        p.setup(l);
        assertArrayEquals(new int[] {1, 7, 8}, new LayerBench().prefill(p).shape());
        assertEquals(2.0 * 7 * 8, LayerBench.flops("prefill", Map.of("layer", "BenchTestMixer", "seqLen", "7")));
        assertTrue(Double.isNaN(LayerBench.flops("prefill", Map.of("layer", "NoSuchLayer", "seqLen", "7"))));
    }

    private static final String JMH = """
            [{"jmhVersion":"1.37","benchmark":"org.seqmix.bench.GemmBench.sgemm","mode":"avgt","threads":1,"forks":1,
              "jvmArgs":["--add-modules=jdk.incubator.vector"],"jdkVersion":"25","vmName":"VM","vmVersion":"25",
              "params":{"shape":"100","threads":"1"},
              "primaryMetric":{"score":1000.0,"scoreError":"NaN","scoreUnit":"us/op"}},
             {"jmhVersion":"1.37","benchmark":"org.seqmix.bench.FmaPeakBench.fma1Thread","mode":"thrpt","threads":1,"forks":1,
              "jvmArgs":[],"primaryMetric":{"score":1.0E5,"scoreError":10.0,"scoreUnit":"ops/s"}},
             {"jmhVersion":"1.37","benchmark":"org.seqmix.bench.LayerBench.decode","mode":"avgt","threads":1,"forks":1,
              "jvmArgs":[],"params":{"layer":"BenchTestMixer","context":"1024"},
              "primaryMetric":{"score":2.0,"scoreError":0.5,"scoreUnit":"us/op"},
              "secondaryMetrics":{"gc.alloc.rate.norm":{"score":0.001,"scoreUnit":"B/op"}}},
             {"jmhVersion":"1.37","benchmark":"org.seqmix.bench.LayerBench.decode","mode":"avgt","threads":1,"forks":1,
              "jvmArgs":[],"params":{"layer":"BenchTestMixer","context":"8192"},
              "primaryMetric":{"score":3.0,"scoreError":0.5,"scoreUnit":"us/op"}}]
            """;

    @Test
    void resultUnitsAndRates() {
        Report r = new Report();
        List<Result> rs = parse(r);
        assertEquals(1e-3, rs.get(0).secondsPerOp(), 1e-12);
        assertEquals(2.0, Report.gflops(rs.get(0)), 1e-9); // 2e6 flops in 1 ms
        assertEquals(1e-5, rs.get(1).secondsPerOp(), 1e-15);
        assertEquals(0.001, rs.get(2).allocBytesPerOp());
        assertTrue(Double.isNaN(rs.get(0).error()));
    }

    private static List<Result> parse(Report r) {
        List<Result> out = new java.util.ArrayList<>();
        for (Object o : (List<?>) org.seqmix.core.Json.parse(JMH)) {
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) o;
            out.add(Result.of(m));
        }
        return out;
    }

    @Test
    void reportWritesMarkdownJsonAndPlots(@TempDir Path dir) throws Exception {
        Path jmh = dir.resolve("jmh.json");
        Files.writeString(jmh, JMH);
        Path peer = dir.resolve("peer.json");
        Files.writeString(peer, "{\"library\":\"openblas test\",\"results\":[{\"size\":100,\"threads\":1,\"seconds\":0.0001,\"gflops\":20.0}]}");
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "");
        Report.main(new String[] {"--out", dir.resolve("docs").toString(), "--command", "run a|b", "--peers", peer.toString(),
                jmh.toString(), empty.toString()});
        String md = Files.readString(dir.resolve("docs/benchmarks.md"));
        assertTrue(md.contains("run a\\|b"), md);
        // FMA peak: 1e5 ops/s * 2*8*1024*4 flops = 6.5536 GFLOP/s; GEMM 2 GFLOP/s is 30.5% of it
        assertTrue(md.contains(", same sitting): 6.554 GFLOP/s with 1 thread"), md);
        assertTrue(md.contains("| sgemm | shape=100, threads=1 | 1000 | us/op | 2.000 | 30.5 |"), md);
        assertTrue(md.contains("| decode | layer=BenchTestMixer, context=1024 | 2.000 | 0.500 | us/op |"), md);
        assertTrue(md.contains("openblas test"), md);
        assertTrue(md.contains("(bench_gemm.png)") && md.contains("(bench_decode.png)"), md);
        assertTrue(!md.contains("(bench_prefill.png)"), "no prefill data, no prefill plot");
        assertTrue(Files.size(dir.resolve("docs/bench_decode.png")) > 1000);
        String json = Files.readString(dir.resolve("docs/benchmarks.json"));
        assertTrue(json.contains("\"jmh\":[{") && json.contains("openblas test"), json);
    }
}
