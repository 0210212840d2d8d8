package org.seqmix.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.seqmix.core.Tensor;

/**
 * Runs every {@code case.json} under the given folders in every form its op has and prints one line per case,
 * form and output. Used by {@code seqmix conform DIR...} and by the JUnit conformance test.
 */
public final class Conformance {
    /** Family classes, each an {@link OpFamily}. */
    private static final List<String> FAMILIES = List.of(
            "org.seqmix.conformance.AttentionOps",
            "org.seqmix.conformance.LinearAttentionOps",
            "org.seqmix.conformance.DeltaRuleOps",
            "org.seqmix.conformance.MambaOps");

    /** One checked output. */
    public record Result(String caseName, String key, String form, String output, double error, double tolerance, Status status, String message) {}

    public enum Status { PASS, FAIL, SKIP, ERROR }

    private final Map<String, OpRunner> runners = new LinkedHashMap<>();

    public Conformance() {
        for (String cls : FAMILIES) {
            try {
                OpFamily f = (OpFamily) Class.forName(cls).getDeclaredConstructor().newInstance();
                runners.putAll(f.runners());
            } catch (ClassNotFoundException e) {
                // family not built yet: its cases report SKIP
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create " + cls, e);
            }
        }
    }

    /** Registered op keys. */
    public java.util.Set<String> ops() {
        return runners.keySet();
    }

    /** All case folders (containing case.json) under the given roots, sorted. */
    public static List<Path> findCases(List<Path> roots) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path r : roots) {
            if (!Files.exists(r)) throw new IllegalArgumentException("conform: no such folder " + r);
            try (Stream<Path> s = Files.walk(r)) {
                s.filter(p -> p.getFileName().toString().equals("case.json")).map(Path::getParent).sorted().forEach(out::add);
            }
        }
        return out;
    }

    /** Runs one case in every form; one result per form and output. */
    public List<Result> run(Path dir) {
        List<Result> results = new ArrayList<>();
        ConformanceCase c;
        try {
            c = ConformanceCase.load(dir);
        } catch (Exception e) {
            results.add(new Result(dir.getFileName().toString(), "?", "-", "-", Double.NaN, Double.NaN, Status.ERROR, "malformed case: " + e.getMessage()));
            return results;
        }
        OpRunner runner = runners.get(c.key());
        if (runner == null) {
            results.add(new Result(c.name(), c.key(), "-", "-", Double.NaN, c.tolerance(), Status.SKIP, "op not implemented"));
            return results;
        }
        for (String form : runner.forms()) {
            Map<String, Tensor> got;
            try {
                got = runner.run(c, form);
            } catch (Exception | AssertionError e) {
                results.add(new Result(c.name(), c.key(), form, "-", Double.NaN, c.tolerance(), Status.ERROR, e.toString()));
                continue;
            }
            for (String out : c.outputNames()) {
                Tensor actual = got.get(out);
                if (actual == null) {
                    results.add(new Result(c.name(), c.key(), form, out, Double.NaN, c.tolerance(), Status.FAIL, "output not produced"));
                    continue;
                }
                try {
                    Tensor expected = c.expected(out);
                    if (!java.util.Arrays.equals(actual.shape(), expected.shape())) {
                        results.add(new Result(c.name(), c.key(), form, out, Double.NaN, c.tolerance(), Status.FAIL,
                                "shape " + java.util.Arrays.toString(actual.shape()) + ", expected " + java.util.Arrays.toString(expected.shape())));
                        continue;
                    }
                    double err = Tensor.relativeL2Error(actual, expected);
                    Status st = err <= c.tolerance() ? Status.PASS : Status.FAIL;
                    results.add(new Result(c.name(), c.key(), form, out, err, c.tolerance(), st, ""));
                } catch (Exception e) {
                    results.add(new Result(c.name(), c.key(), form, out, Double.NaN, c.tolerance(), Status.ERROR, "malformed case: " + e.getMessage()));
                }
            }
        }
        return results;
    }

    public static String format(Result r) {
        String err = Double.isNaN(r.error()) ? "-" : String.format(Locale.ROOT, "%.3e", r.error());
        String tol = Double.isNaN(r.tolerance()) ? "-" : String.format(Locale.ROOT, "%.0e", r.tolerance());
        return String.format(Locale.ROOT, "%-5s %-28s %-24s %-10s %-12s rel_l2=%-10s tol=%s%s", r.status(), r.caseName(), r.key(), r.form(), r.output(),
                err, tol, r.message().isEmpty() ? "" : "  " + r.message());
    }

    /** Runs all cases under {@code roots}, prints lines and the summary; returns the number of FAIL/ERROR results. */
    public int runAll(List<Path> roots, PrintStream out) throws IOException {
        int passed = 0, failed = 0, skipped = 0;
        for (Path dir : findCases(roots)) {
            for (Result r : run(dir)) {
                out.println(format(r));
                switch (r.status()) {
                    case PASS -> passed++;
                    case SKIP -> skipped++;
                    default -> failed++;
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        return failed;
    }
}
