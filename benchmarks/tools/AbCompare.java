import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times one {@code seqmix bench} case on two builds in one JVM, calls alternated, and prints the median and 10th
 * percentile of each: on a VM whose speed drifts by up to 2x between runs minutes apart, two separate processes
 * are not comparable, two class loaders in one process are. Each build is a seqmix jar (or classes directory)
 * from this commit on (it needs {@code Bench.prepare}); their dependencies (commons-math3) must be on the
 * classpath of both, e.g. from ~/.m2.
 * Each build has its own thread team, whose workers spin for ~100 us after a call: with {@code --threads 2} and
 * calls under a millisecond, the idle build's spinning workers overlap the other build's call, so compare short
 * multi-threaded calls (decode steps) with {@code --threads 1}.
 *
 * <pre>
 *   git worktree add /tmp/old HEAD~1 &amp;&amp; mvn -q -f /tmp/old/pom.xml -DskipTests package
 *   java --add-modules jdk.incubator.vector benchmarks/tools/AbCompare.java \
 *        --deps ~/.m2/repository/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar \
 *        /tmp/old/target/seqmix-0.1.0-SNAPSHOT.jar target/seqmix-0.1.0-SNAPSHOT.jar \
 *        --calls 40 -- mamba2 --T 512 --H 48 --P 64 --N 128 --G 1 --threads 2
 * </pre>
 */
public class AbCompare {
    public static void main(String[] argv) throws Exception {
        List<String> a = new ArrayList<>(Arrays.asList(argv));
        int dash = a.indexOf("--");
        if (dash < 0 || dash < 2) {
            System.err.println("usage: AbCompare [--deps JAR[:JAR..]] [--calls N] [--warmup N] OLD NEW -- bench args...");
            System.exit(2);
        }
        List<String> bench = a.subList(dash + 1, a.size());
        List<String> opts = new ArrayList<>(a.subList(0, dash));
        String deps = take(opts, "--deps", "");
        int calls = Integer.parseInt(take(opts, "--calls", "40")), warmup = Integer.parseInt(take(opts, "--warmup", "10"));
        if (opts.size() != 2) {
            System.err.println("AbCompare: expected two builds (OLD NEW) before --, got " + opts);
            System.exit(2);
        }
        Runnable[] call = new Runnable[2];
        for (int k = 0; k < 2; k++) {
            List<URL> urls = new ArrayList<>();
            urls.add(Path.of(opts.get(k)).toUri().toURL());
            for (String d : deps.split(":")) if (!d.isBlank()) urls.add(Path.of(d).toUri().toURL());
            ClassLoader l = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            Method prepare = l.loadClass("org.seqmix.cli.Bench").getMethod("prepare", String[].class);
            try {
                call[k] = (Runnable) prepare.invoke(null, (Object) bench.toArray(String[]::new));
            } catch (java.lang.reflect.InvocationTargetException e) {
                System.err.println("AbCompare: " + e.getCause().getMessage());
                System.exit(2);
            }
        }
        for (int i = 0; i < warmup; i++) {
            call[0].run();
            call[1].run();
        }
        long[][] t = new long[2][calls];
        for (int i = 0; i < calls; i++) {
            for (int j = 0; j < 2; j++) {
                int k = i % 2 == 0 ? j : 1 - j;   // alternate which build goes first
                long t0 = System.nanoTime();
                call[k].run();
                t[k][i] = System.nanoTime() - t0;
            }
        }
        for (int k = 0; k < 2; k++) {
            long[] s = t[k].clone();
            Arrays.sort(s);
            System.out.printf("%s  %s: median %.3f ms, p10 %.3f ms, min %.3f ms (%d calls)%n", k == 0 ? "old" : "new", opts.get(k),
                    s[calls / 2] / 1e6, s[calls / 10] / 1e6, s[0] / 1e6, calls);
        }
    }

    private static String take(List<String> opts, String name, String dflt) {
        int i = opts.indexOf(name);
        if (i < 0) return dflt;
        if (i + 1 >= opts.size()) {
            System.err.println("AbCompare: " + name + " needs a value");
            System.exit(2);
        }
        String v = opts.remove(i + 1);
        opts.remove(i);
        return v;
    }
}
