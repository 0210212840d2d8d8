package org.seqmix.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.seqmix.conformance.Conformance;
import org.seqmix.core.Parallel;
import org.seqmix.kernels.VectorizationProvider;

/** The {@code seqmix} command line: {@code conform DIR...}, {@code info}, {@code demo}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        // one line per log record (the JDK default prints two)
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %5$s%n");
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            usage();
            System.exit(args.length == 0 ? 2 : 0);
        }
        String cmd = args[0];
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "conform" -> System.exit(conform(rest));
            case "info" -> info();
            case "demo" -> Demo.run(rest);
            case "bench" -> System.exit(Bench.run(rest, System.out, System.err));
            default -> {
                System.err.println("seqmix: unknown command '" + cmd + "'");
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.err.println("""
                usage: java [--add-modules jdk.incubator.vector] -jar seqmix.jar COMMAND [ARGS]
                  conform DIR...   run every case.json under DIR in every form; last line 'N passed, N failed, N skipped'
                  info             JDK, SIMD species and thread count
                  demo             every layer: chunkwise prefill, then decode steps from the returned state
                  bench OP [opts]  time one kernel at one shape (seqmix bench --help)
                options: -Dseqmix.threads=N sets the thread count""");
    }

    private static int conform(String[] dirs) throws Exception {
        if (dirs.length == 0) {
            System.err.println("seqmix conform: give at least one folder of cases");
            return 2;
        }
        List<Path> roots = new ArrayList<>();
        for (String d : dirs) roots.add(Path.of(d));
        try {
            return new Conformance().runAll(roots, System.out) == 0 ? 0 : 1;
        } catch (IllegalArgumentException e) {
            System.err.println("seqmix conform: " + e.getMessage());
            return 2;
        }
    }

    private static void info() {
        System.out.println("seqmix 0.1.0-SNAPSHOT");
        System.out.println("java: " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        System.out.println("simd: " + (VectorizationProvider.simd() ? "on" : "off") + ", kernels: " + VectorizationProvider.ops().name());
        System.out.println("threads: " + Parallel.threads());
        System.out.println("cpus: " + Runtime.getRuntime().availableProcessors());
    }
}
