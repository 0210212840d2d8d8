package org.seqmix.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** The report's PNG plots (XChart); a plot without data is not written. */
final class Plots {
    static final Map<String, String> FILES = new LinkedHashMap<>();

    static {
        FILES.put("bench_gemm.png", "GEMM GFLOP/s vs size, with OpenBLAS and the measured FMA peak");
        FILES.put("bench_prefill.png", "prefill time vs sequence length per mixer");
        FILES.put("bench_decode.png", "decode time per token vs context length per mixer");
        FILES.put("bench_prefill_alloc.png", "heap allocated per prefill (memory proxy) vs sequence length");
    }

    private final Report report;

    Plots(Report report) {
        this.report = report;
    }

    /** Writes the plots that have data; returns their file names. */
    List<String> write(Path dir) throws IOException {
        List<String> written = new ArrayList<>();
        for (String f : FILES.keySet()) Files.deleteIfExists(dir.resolve(f)); // no stale plot from an earlier run
        save(gemm(), dir, "bench_gemm.png", written);
        save(bySeq("prefill", "seqLen", false, "Prefill (forward) time", "sequence length T", "ms per forward", 1e3), dir, "bench_prefill.png", written);
        save(bySeq("decode", "context", false, "Decode step time", "context length", "us per token", 1e6), dir, "bench_decode.png", written);
        save(bySeq("prefill", "seqLen", true, "Heap allocated per prefill (memory proxy)", "sequence length T", "MiB per forward", 1.0 / (1 << 20)), dir, "bench_prefill_alloc.png", written);
        return written;
    }

    private static void save(XYChart chart, Path dir, String file, List<String> written) throws IOException {
        if (chart == null) return;
        String name = file.substring(0, file.length() - 4);
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        written.add(file);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setXAxisLogarithmic(true);
        return c;
    }

    /** GflOP/s of the square GEMM shapes per thread count, the OpenBLAS rows, and the peak as flat lines. */
    private XYChart gemm() {
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        for (Result r : report.results()) {
            if (!r.suite().equals("GemmBench")) continue;
            String shape = r.params().getOrDefault("shape", "");
            if (!shape.matches("\\d+")) continue;
            series.computeIfAbsent("seqmix, " + r.params().get("threads") + " thr", k -> new TreeMap<>())
                    .put(Double.parseDouble(shape), Report.gflops(r));
        }
        for (var p : report.peerRows()) {
            series.computeIfAbsent("OpenBLAS, " + (long) Result.num(p.get("threads")) + " thr", k -> new TreeMap<>())
                    .put(Result.num(p.get("size")), Result.num(p.get("gflops")));
        }
        if (series.isEmpty()) return null;
        double lo = Double.MAX_VALUE, hi = 0;
        for (var s : series.values()) {
            lo = Math.min(lo, s.firstKey());
            hi = Math.max(hi, s.lastKey());
        }
        for (var e : report.peak.entrySet()) {
            TreeMap<Double, Double> flat = new TreeMap<>();
            flat.put(lo, e.getValue());
            flat.put(hi == lo ? lo * 2 : hi, e.getValue());
            series.put("FMA peak, " + e.getKey() + " thr", flat);
        }
        XYChart c = chart("sgemm C = A B (square, float32)", "N (M = N = K)", "GFLOP/s");
        addAll(c, series, false);
        return c;
    }

    /**
     * One series per (suite, method, params other than the length) for methods starting with {@code prefix}
     * that have the length param; y is seconds per op times {@code yScale}, or B/op times it when {@code alloc}.
     */
    private XYChart bySeq(String prefix, String lengthParam, boolean alloc, String title, String x, String y, double yScale) {
        Map<String, TreeMap<Double, Double>> series = new TreeMap<>();
        for (Result r : report.results()) {
            boolean decodeLike = prefix.equals("decode") && r.method().startsWith("step");
            if (!(r.method().startsWith(prefix) || decodeLike) || !r.params().containsKey(lengthParam)) continue;
            double v = alloc ? r.allocBytesPerOp() : r.secondsPerOp();
            if (!(v > 0)) continue;
            StringBuilder key = new StringBuilder();
            key.append(r.params().getOrDefault("layer", r.suite().replace("Bench", "")));
            if (!r.method().equals(prefix)) key.append(' ').append(r.method());
            r.params().forEach((k, val) -> {
                if (!k.equals(lengthParam) && !k.equals("layer")) key.append(' ').append(k).append('=').append(val);
            });
            series.computeIfAbsent(key.toString(), k -> new TreeMap<>()).put(Double.parseDouble(r.params().get(lengthParam)), v * yScale);
        }
        if (series.isEmpty()) return null;
        XYChart c = chart(title, x, y);
        c.getStyler().setYAxisLogarithmic(true);
        addAll(c, series, true);
        return c;
    }

    private static void addAll(XYChart c, Map<String, TreeMap<Double, Double>> series, boolean positiveOnly) {
        for (var e : series.entrySet()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            e.getValue().forEach((k, v) -> {
                if (Double.isFinite(v) && (!positiveOnly || v > 0)) {
                    xs.add(k);
                    ys.add(v);
                }
            });
            if (!xs.isEmpty()) c.addSeries(e.getKey(), xs, ys);
        }
    }
}
