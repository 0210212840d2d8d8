package org.seqmix.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed {@code seqmix bench OP [options]} command line. Integer options are kept only when given, so each op
 * applies its own defaults and rejects options it cannot take. Every error names its option.
 */
final class BenchOptions {
    /** Integer shape / op parameters, in the order they are printed. */
    static final List<String> SIZES = List.of("B", "T", "H", "HV", "K", "V", "P", "N", "G", "D", "W", "M",
            "window", "sinks", "block", "chunk");
    static final Set<String> FORMS = Set.of("forward", "chunk", "recurrent", "step");
    static final int AUTO_WARMUP = -1, WARMUP_CAP = 5000;

    final String op;
    final String form;
    final int threads;
    /** Warm-up calls, or {@link #AUTO_WARMUP}: until the timings settle (see Bench.autoWarmup), at most {@link #WARMUP_CAP} calls. */
    final int warmup;
    final int reps;
    final boolean json;
    final boolean help;
    /** The op's in-place entry: caller-owned output and state, updated in place (delta-rule recurrent / forward,
     *  mamba2 forward / recurrent / chunk, the linear ops' recurrent form; BenchOps.resolve checks the pair). */
    final boolean inplace;
    /** Only when given: block density (block_sparse_attention), KV-cache entry type (attention). */
    final Double density;
    final String kv;
    private final Map<String, Integer> sizes;

    private BenchOptions(String op, String form, int threads, int warmup, int reps, boolean json, boolean help, boolean inplace, Double density,
                         String kv, Map<String, Integer> sizes) {
        this.op = op;
        this.form = form;
        this.threads = threads;
        this.warmup = warmup;
        this.reps = reps;
        this.json = json;
        this.help = help;
        this.inplace = inplace;
        this.density = density;
        this.kv = kv;
        this.sizes = sizes;
    }

    static BenchOptions parse(String[] args, int defaultThreads) {
        String op = null, form = "forward", kv = null;
        int threads = defaultThreads, warmup = AUTO_WARMUP, reps = -1;
        boolean json = false, help = false, inplace = false;
        Double density = null;
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
                continue;
            }
            if (a.equals("--json")) {
                json = true;
                continue;
            }
            if (a.equals("--inplace")) {
                inplace = true;
                continue;
            }
            if (!a.startsWith("--")) {
                if (op != null) throw new BenchException("OP: expected one op, got '" + op + "' and '" + a + "'");
                op = a;
                continue;
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else {
                if (i + 1 >= args.length) throw BenchException.option(name, "missing value");
                value = args[++i];
            }
            switch (name) {
                case "form" -> {
                    if (!FORMS.contains(value)) throw BenchException.option("form", "expected forward|chunk|recurrent|step, got '" + value + "'");
                    form = value;
                }
                case "threads" -> threads = atLeast(name, value, 1);
                case "warmup" -> warmup = atLeast(name, value, 0);
                case "reps" -> reps = atLeast(name, value, 1);
                case "density" -> {
                    double d = number(name, value);
                    if (!(d > 0 && d <= 1)) throw BenchException.option(name, "expected a fraction in (0, 1], got " + value);
                    density = d;
                }
                case "kv" -> {
                    if (!value.equals("f32") && !value.equals("bf16")) throw BenchException.option(name, "expected f32|bf16, got '" + value + "'");
                    kv = value;
                }
                default -> {
                    if (!SIZES.contains(name)) throw BenchException.option(name, "unknown option (see seqmix bench --help)");
                    sizes.put(name, atLeast(name, value, name.equals("sinks") ? 0 : 1));
                }
            }
        }
        if (op == null && !help) throw new BenchException("OP: missing (see seqmix bench --help)");
        // a decode step is short: more samples for a stable median
        if (reps < 0) reps = form.equals("step") ? 100 : 10;
        return new BenchOptions(op, form, threads, warmup, reps, json, help, inplace, density, kv, sizes);
    }

    /** Most warm-up calls this run can make (sizes KV caches that grow by one token per call). */
    int maxWarmup() {
        return warmup == AUTO_WARMUP ? WARMUP_CAP : warmup;
    }

    /** The given value of a size option, or the op's default. */
    int get(String name, int dflt) {
        return sizes.getOrDefault(name, dflt);
    }

    boolean has(String name) {
        return sizes.containsKey(name);
    }

    /** Size options given on the command line. */
    Set<String> givenSizes() {
        return sizes.keySet();
    }

    private static int atLeast(String name, String value, int min) {
        int v;
        try {
            v = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw BenchException.option(name, "expected an integer, got '" + value + "'");
        }
        if (v < min) throw BenchException.option(name, "expected an integer >= " + min + ", got " + v);
        return v;
    }

    private static double number(String name, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw BenchException.option(name, "expected a number, got '" + value + "'");
        }
    }
}
