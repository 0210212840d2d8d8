package org.seqmix.bench;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.seqmix.core.Json;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Writes {@code docs/benchmarks.md}, {@code docs/benchmarks.json} and the PNG plots from JMH {@code -rf json}
 * files (with {@code -prof gc} secondary metrics where present) and the OpenBLAS peer JSON.
 *
 * <pre>
 * Report --out DIR --command "benchmarks/run quick" [--peers openblas.json] jmh1.json [jmh2.json ...]
 * </pre>
 *
 * Suites are picked up by class: one table per benchmark class. A suite class may declare
 * {@code public static double flops(String method, Map<String,String> params)} (GFLOP/s and % of the measured
 * FMA peak columns) and {@code bytes(...)} (GB/s column); methods named {@code prefill*} with a {@code seqLen}
 * param and {@code decode*}/{@code step*} with a {@code context} param go into the sequence-length plots.
 */
public final class Report {
    private final List<Result> results = new ArrayList<>();
    private final List<Object> rawJmh = new ArrayList<>();
    private Map<String, Object> peers;
    private String command = "?";
    private Path out = Path.of("docs");
    /** Measured FMA peak GFLOP/s by thread count. */
    final Map<Integer, Double> peak = new TreeMap<>();

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Report r = new Report();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> r.out = Path.of(args[++i]);
                case "--command" -> r.command = args[++i];
                case "--peers" -> r.readPeers(Path.of(args[++i]));
                default -> r.readJmh(Path.of(args[i]));
            }
        }
        Files.createDirectories(r.out);
        r.computePeak();
        List<String> plots = new Plots(r).write(r.out); // first: the markdown links the plots that exist
        Files.writeString(r.out.resolve("benchmarks.md"), r.markdown(), StandardCharsets.UTF_8);
        Files.writeString(r.out.resolve("benchmarks.json"), r.json(), StandardCharsets.UTF_8);
        System.out.println("report: " + r.results.size() + " JMH results -> " + r.out.resolve("benchmarks.md")
                + ", benchmarks.json, " + (plots.isEmpty() ? "no plots (no data)" : String.join(", ", plots)));
    }

    void readJmh(Path file) throws IOException {
        String text = Files.readString(file).trim();
        if (text.isEmpty()) return; // JMH leaves an empty file when no benchmark ran
        Object v = Json.parse(text);
        if (!(v instanceof List<?> list)) throw new IllegalArgumentException(file + ": expected a JMH JSON array");
        for (Object e : list) {
            rawJmh.add(e);
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) e;
            results.add(Result.of(m));
        }
    }

    void readPeers(Path file) throws IOException {
        if (Files.isRegularFile(file)) peers = Json.parseObject(Files.readString(file));
    }

    List<Result> results() {
        return results;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> peerRows() {
        if (peers == null || !(peers.get("results") instanceof List<?> l)) return List.of();
        return (List<Map<String, Object>>) l;
    }

    String peerLibrary() {
        return peers == null ? "" : String.valueOf(peers.getOrDefault("library", "OpenBLAS"));
    }

    private void computePeak() {
        for (Result r : results) {
            if (r.suite().equals("FmaPeakBench")) peak.merge(r.jmhThreads(), gflops(r), Math::max);
        }
    }

    /** Measured peak for {@code threads}, else the one for the largest measured count below it. */
    double peakFor(int threads) {
        Double best = null;
        for (var e : peak.entrySet()) if (e.getKey() <= threads) best = e.getValue();
        return best == null ? Double.NaN : best;
    }

    static double hook(Result r, String name) {
        try {
            Method m = Class.forName(r.suiteClass()).getMethod(name, String.class, Map.class);
            return ((Number) m.invoke(null, r.method(), r.params())).doubleValue();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return Double.NaN;
        }
    }

    static double gflops(Result r) {
        return hook(r, "flops") * r.opsPerSecond() / 1e9;
    }

    static double gbps(Result r) {
        return hook(r, "bytes") * r.opsPerSecond() / 1e9;
    }

    int defaultSeqmixThreads() {
        for (Result r : results) {
            for (String a : r.jvmArgs()) if (a.startsWith("-Dseqmix.threads=")) return Integer.parseInt(a.substring(17));
        }
        return Runtime.getRuntime().availableProcessors();
    }

    private String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# seqmix benchmarks\n\n");
        b.append("Generated by `org.seqmix.bench.Report` (see `benchmarks/README.md`); do not edit by hand.\n\n");
        b.append("| | |\n|---|---|\n");
        b.append("| date | ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append(" |\n");
        b.append("| machine | ").append(Machine.cpuModel()).append(", ").append(Machine.cores()).append(" |\n");
        b.append("| JDK | ").append(results.isEmpty() ? Runtime.version() : results.get(0).jdk()).append(" |\n");
        b.append("| SIMD | ").append(simd()).append(" |\n");
        b.append("| threads | seqmix default ").append(defaultSeqmixThreads())
                .append(" (`Parallel`); GemmBench sets 1 and 2 with `Parallel.setThreads`; FmaPeakBench uses 1 and 2 JMH threads |\n");
        b.append("| JVM args | `").append(results.isEmpty() ? "" : cell(String.join(" ", results.get(0).jvmArgs()))).append("` |\n");
        b.append("| command | `").append(cell(command)).append("` |\n\n");
        if (!peak.isEmpty()) {
            b.append("Measured float32 FMA peak (FmaPeakBench, ").append(fmaSpecies()).append(", same sitting): ");
            List<String> ps = new ArrayList<>();
            peak.forEach((t, g) -> ps.add(fmt(g) + " GFLOP/s with " + t + (t == 1 ? " thread" : " threads")));
            b.append(String.join(", ", ps)).append(". The `% peak` columns divide by the peak at the same thread count.\n\n");
        }
        b.append("Scores are JMH averages with their 99.9% confidence half-width (±). GFLOP/s only where the suite "
                + "knows the flop count (GEMM: 2MNK). B/op is `gc.alloc.rate.norm` from `-prof gc`: for decode it "
                + "checks that `step` allocates nothing; for prefill it is the heap allocated per `forward`, the proxy "
                + "used here for peak memory vs sequence length (it counts every allocation, so it bounds the live peak "
                + "from above).\n\n");

        Map<String, List<Result>> bySuite = new LinkedHashMap<>();
        for (Result r : results) bySuite.computeIfAbsent(r.suite(), k -> new ArrayList<>()).add(r);
        if (bySuite.isEmpty()) b.append("No JMH results.\n\n");
        int threads = defaultSeqmixThreads();
        for (var e : bySuite.entrySet()) {
            b.append("## ").append(e.getKey()).append("\n\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"benchmark", "params", "score", "±", "unit", "GFLOP/s", "% peak", "GB/s", "B/op"});
            for (Result r : e.getValue()) {
                double g = gflops(r);
                double pk = r.suite().equals("FmaPeakBench") ? Double.NaN : peakFor(r.kernelThreads(threads));
                rows.add(new String[] {r.method(), r.paramString(), fmt(r.score()), fmt(r.error()), r.unit(), fmt(g),
                        fmt(100 * g / pk), fmt(gbps(r)), fmt(r.allocBytesPerOp())});
            }
            table(b, rows);
        }

        List<Map<String, Object>> peerRows = peerRows();
        b.append("## OpenBLAS sgemm (peer, same sitting)\n\n");
        if (peerRows.isEmpty()) {
            b.append("Not measured in this run (`benchmarks/peers/openblas_sgemm.py`).\n\n");
        } else {
            b.append(peerLibrary()).append(", square C = A B in float32.\n\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"size", "threads", "seconds", "GFLOP/s", "% peak"});
            for (var p : peerRows) {
                int t = (int) Result.num(p.get("threads"));
                double g = Result.num(p.get("gflops"));
                rows.add(new String[] {String.valueOf((long) Result.num(p.get("size"))), String.valueOf(t),
                        fmt(Result.num(p.get("seconds"))), fmt(g), fmt(100 * g / peakFor(t))});
            }
            table(b, rows);
        }
        b.append("## Plots\n\n");
        for (var p : Plots.FILES.entrySet()) {
            if (Files.exists(out.resolve(p.getKey()))) b.append("![").append(p.getValue()).append("](").append(p.getKey()).append(")\n\n");
        }
        return b.toString();
    }

    /** The FloatVector shape FmaPeakBench uses, as the report JVM (same flags) sees it. */
    private static String fmaSpecies() {
        try {
            return "FloatVector " + FmaPeakBench.S.vectorBitSize() + "-bit, " + FmaPeakBench.S.length() + " floats";
        } catch (LinkageError e) {
            return "FloatVector preferred species";
        }
    }

    private String simd() {
        boolean module = false, scalarForced = false;
        for (Result r : results) {
            for (String a : r.jvmArgs()) {
                module |= a.contains("jdk.incubator.vector");
                scalarForced |= a.contains("seqmix.vectorization=scalar");
            }
        }
        if (results.isEmpty()) module = VectorizationProvider.vectorModulePresent();
        if (!module) return "off (scalar floor: no --add-modules jdk.incubator.vector in the forks)";
        if (scalarForced) return "off (scalar floor forced by -Dseqmix.vectorization=scalar)";
        // the report JVM runs with the same module flag, so it picks the same VectorOps as the forks
        if (!VectorizationProvider.simd()) return "off: module present but VectorOps is " + VectorizationProvider.ops().name() + " (no Panama implementation loaded)";
        return "on: " + VectorizationProvider.ops().name() + ", " + VectorizationProvider.ops().lanes() + " floats/vector";
    }

    /** Markdown table, leaving out columns that are empty in every row. */
    private static void table(StringBuilder b, List<String[]> rows) {
        int cols = rows.get(0).length;
        List<Integer> keep = new ArrayList<>();
        for (int c = 0; c < cols; c++) {
            for (int r = 1; r < rows.size(); r++) {
                if (!rows.get(r)[c].isEmpty()) {
                    keep.add(c);
                    break;
                }
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            b.append('|');
            for (int c : keep) b.append(' ').append(cell(rows.get(r)[c])).append(" |");
            b.append('\n');
            if (r == 0) {
                b.append('|');
                for (int c : keep) b.append(c >= 2 ? "---:|" : "---|");
                b.append('\n');
            }
        }
        b.append('\n');
    }

    /** A '|' would end a markdown table cell. */
    static String cell(String s) {
        return s.replace("|", "\\|");
    }

    static String fmt(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return "";
        double a = Math.abs(v);
        if (a >= 1000) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 0.01 || a == 0) return String.format(Locale.ROOT, "%.3f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private String json() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("generated", ZonedDateTime.now(ZoneOffset.UTC).toString());
        o.put("machine", Machine.cpuModel() + ", " + Machine.cores());
        o.put("command", command);
        Map<String, Object> pk = new LinkedHashMap<>();
        peak.forEach((t, g) -> pk.put(String.valueOf(t), g));
        o.put("fmaPeakGflops", pk);
        o.put("jmh", rawJmh);
        o.put("openblas", peers);
        return Json.write(o) + "\n";
    }
}
