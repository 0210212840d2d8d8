package org.seqmix.core;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Deterministic parallel-for over independent work items (typically batch x head). Each item is computed by
 * exactly one thread with the same code path whatever the thread count, so results are bit-identical for any
 * setting; no reductions cross items.
 *
 * <p>The thread count comes from {@link #setThreads(int)}, else the system property {@code seqmix.threads},
 * else the number of available processors.
 */
public final class Parallel {
    private static volatile ForkJoinPool pool;
    private static volatile int threads = initialThreads();

    private Parallel() {}

    private static int initialThreads() {
        String p = System.getProperty("seqmix.threads");
        if (p != null && !p.isBlank()) {
            int t = Integer.parseInt(p.trim());
            if (t > 0) return t;
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Number of worker threads used by {@link #forRange}. */
    public static int threads() {
        return threads;
    }

    /** Sets the number of threads ({@code >= 1}); the pool is rebuilt lazily. */
    public static synchronized void setThreads(int n) {
        Shapes.positive("threads", n);
        if (n != threads) {
            threads = n;
            ForkJoinPool old = pool;
            pool = null;
            if (old != null) old.shutdown();
        }
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(threads, pool -> {
                        var w = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                        w.setName("seqmix-" + w.getPoolIndex());
                        w.setDaemon(true);
                        return w;
                    }, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    /** Runs {@code body.accept(i)} for i in [0, n), in parallel when there is more than one item and thread. */
    public static void forRange(int n, IntConsumer body) {
        if (n <= 0) return;
        // nested calls from a worker run inline: the outer level already splits the work
        if (n == 1 || threads == 1 || Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        pool().invoke(new Range(body, 0, n));
    }

    private static final class Range extends RecursiveAction {
        private final IntConsumer body;
        private final int lo, hi;

        Range(IntConsumer body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(body, lo, mid), new Range(body, mid, hi));
        }
    }
}
