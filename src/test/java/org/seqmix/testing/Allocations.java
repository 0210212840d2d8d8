package org.seqmix.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

/**
 * Steady-state allocation of a call, from the JVM's per-thread allocation counter. The Vector API boxes its
 * vectors until C2 has compiled the kernel (the interpreter and C1 allocate them; a deoptimisation recompiles),
 * and the compiler works in the background, so a fixed warm-up count can still see those boxes. This measures
 * rounds until one is clean or the warm-up budget (rounds and at most 60 s; a loaded machine compiles slowly) runs out, and returns the smallest
 * bytes/call seen. Code that allocates on every call never gets a clean round. The budget bounds the wait only;
 * nothing here asserts on time.
 */
public final class Allocations {
    private Allocations() {}

    /**
     * Steady-state bytes per call of the {@code Runnable} (or per {@code step} of the layer) made by the static
     * no-argument method {@code factoryClass#factoryMethod}, measured in a fresh JVM (like a JMH fork): in the shared test JVM,
     * other tests' shapes can leave the JIT in a state that says nothing about a deployed service.
     */
    public static double bytesPerCallInFreshJvm(Class<?> factoryClass, String factoryMethod) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dseqmix.threads=1",
                "-cp", System.getProperty("java.class.path"), StepAllocationMain.class.getName(), factoryClass.getName(), factoryMethod);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("allocation probe failed:\n" + out);
        for (String line : out.split("\n")) {
            if (line.startsWith("bytes_per_step=")) return Double.parseDouble(line.substring("bytes_per_step=".length()).trim());
        }
        throw new IllegalStateException("allocation probe printed no result:\n" + out);
    }

    public static double steadyStateBytesPerCall(Runnable call) {
        return steadyStateBytesPerCall(call, 2_000, 400);
    }

    public static double steadyStateBytesPerCall(Runnable call, int callsPerRound, int maxRounds) {
        var bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        var mx = (com.sun.management.ThreadMXBean) bean;
        long tid = Thread.currentThread().threadId();
        double best = Double.MAX_VALUE;
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (int round = 0; round < maxRounds && System.nanoTime() < deadline; round++) {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < callsPerRound; i++) call.run();
            best = Math.min(best, (mx.getThreadAllocatedBytes(tid) - before) / (double) callsPerRound);
            if (best < 0.01) break;
            if (round % 10 == 9) {
                try {
                    Thread.sleep(50); // let the background compiler catch up
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return best;
    }
}
