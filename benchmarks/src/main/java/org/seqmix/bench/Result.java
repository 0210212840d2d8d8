package org.seqmix.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH result entry (one benchmark x param combination) read from {@code -rf json}, with the numbers the
 * report needs: time per op in seconds (or ops per second for throughput mode) and the gc profiler's B/op.
 */
record Result(String suite, String suiteClass, String method, String mode, int jmhThreads,
              Map<String, String> params, double score, double error, String unit, double allocBytesPerOp,
              List<String> jvmArgs, String jdk, Map<String, Object> raw) {

    @SuppressWarnings("unchecked")
    static Result of(Map<String, Object> e) {
        String bench = (String) e.get("benchmark");
        int dot = bench.lastIndexOf('.');
        String cls = bench.substring(0, dot);
        Map<String, String> params = new LinkedHashMap<>();
        Object p = e.get("params");
        if (p instanceof Map<?, ?> pm) pm.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
        Map<String, Object> pri = (Map<String, Object>) e.get("primaryMetric");
        double alloc = Double.NaN;
        if (e.get("secondaryMetrics") instanceof Map<?, ?> sec && sec.get("gc.alloc.rate.norm") instanceof Map<?, ?> g) {
            alloc = num(g.get("score"));
        }
        List<String> jvmArgs = e.get("jvmArgs") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
        String jdk = e.getOrDefault("jdkVersion", "?") + " (" + e.getOrDefault("vmName", "?") + " " + e.getOrDefault("vmVersion", "?") + ")";
        return new Result(cls.substring(cls.lastIndexOf('.') + 1), cls, bench.substring(dot + 1), (String) e.get("mode"),
                (int) num(e.get("threads")), params, num(pri.get("score")), num(pri.get("scoreError")),
                (String) pri.get("scoreUnit"), alloc, jvmArgs, jdk, e);
    }

    /** JMH writes "NaN" as a string when the error is undefined (one iteration). */
    static double num(Object o) {
        if (o instanceof Number n) return n.doubleValue();
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException ex) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    boolean throughput() {
        return unit.startsWith("ops/");
    }

    /** Seconds per op for time modes; for throughput mode, 1 / (ops per second summed over JMH threads). */
    double secondsPerOp() {
        String u = throughput() ? unit.substring(4) : unit.substring(0, unit.indexOf('/'));
        double s = switch (u) {
            case "ns" -> 1e-9;
            case "us" -> 1e-6;
            case "ms" -> 1e-3;
            case "s" -> 1;
            case "min" -> 60;
            default -> Double.NaN;
        };
        return throughput() ? s / score : score * s;
    }

    /** Operations completed per second by the whole machine (time modes: per thread times JMH threads). */
    double opsPerSecond() {
        return throughput() ? 1 / secondsPerOp() : jmhThreads / secondsPerOp();
    }

    /**
     * The threads the kernel could use, for "% of peak": the {@code threads} param when the suite sets it (it
     * then calls {@code Parallel.setThreads}), the seqmix default for LayerBench (layers split heads with
     * {@code Parallel}), else the JMH threads.
     */
    int kernelThreads(int defaultSeqmixThreads) {
        String t = params.get("threads");
        if (t != null) return Integer.parseInt(t);
        return suite.equals("LayerBench") ? Math.max(jmhThreads, defaultSeqmixThreads) : jmhThreads;
    }

    String paramString() {
        StringBuilder b = new StringBuilder();
        params.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }
}
