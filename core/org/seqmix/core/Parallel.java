package org.seqmix.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Deterministic parallel-for over independent work items (typically batch x head). Each item is computed by
 * exactly one thread with the same code path whatever the thread count, so results are bit-identical for any
 * setting; no reductions cross items.
 *
 * <p>A fixed team of {@code threads - 1} daemon workers plus the calling thread claim items from a shared
 * counter, in the manner of ggml's CPU thread pool rather than a fork-join pool: starting a job allocates
 * nothing, so decode steps that split heads over threads stay allocation-free. Workers spin briefly after a
 * job (decode steps come back to back) and then park. A nested call from inside an item, or a call made while
 * another thread holds the team, runs inline on the caller.
 *
 * <p>{@link #forRangeAffine} splits the items into one contiguous range per team thread instead, the same range
 * to the same thread on every call: decode steps touch the same per-head state every token, and a state that
 * stays with one thread stays in that core's L2 (with items claimed dynamically, about half of a 32-head
 * Gated DeltaNet state, 1 MiB, moved between the cores' caches on every step).
 *
 * <p>The thread count comes from {@link #setThreads(int)}, else the system property {@code seqmix.threads},
 * else the number of available processors.
 */
public final class Parallel {
    private static volatile int threads = initialThreads();
    private static volatile Team team;

    private Parallel() {}

    private static int initialThreads() {
        String p = System.getProperty("seqmix.threads");
        if (p != null && !p.isBlank()) {
            try {
                int t = Integer.parseInt(p.trim());
                if (t > 0) return t;
            } catch (NumberFormatException e) {
                // fall through to the processor count
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Number of threads {@link #forRange} uses (the caller included). */
    public static int threads() {
        return threads;
    }

    /** Sets the number of threads ({@code >= 1}); the team is rebuilt lazily. */
    public static synchronized void setThreads(int n) {
        Shapes.positive("threads", n);
        if (n != threads) {
            threads = n;
            Team old = team;
            team = null;
            if (old != null) old.stop();
        }
    }

    private static Team team() {
        Team t = team;
        if (t == null) {
            synchronized (Parallel.class) {
                t = team;
                if (t == null) team = t = new Team(threads - 1);
            }
        }
        return t;
    }

    /** Runs {@code body.accept(i)} for i in [0, n), split over the team when there is more than one item and thread. */
    public static void forRange(int n, IntConsumer body) {
        run(n, body, false);
    }

    /**
     * Runs {@code body.accept(i)} for i in [0, n) with a fixed assignment: team thread t (the caller is t = 0) runs
     * items [t n / threads, (t + 1) n / threads) on every call. For repeated calls over the same per-item data
     * (decode steps); {@link #forRange} balances uneven items better.
     */
    public static void forRangeAffine(int n, IntConsumer body) {
        run(n, body, true);
    }

    private static void run(int n, IntConsumer body, boolean affine) {
        if (n <= 0) return;
        if (n == 1 || threads == 1 || Thread.currentThread() instanceof Worker || !team().tryRun(n, body, affine)) {
            for (int i = 0; i < n; i++) body.accept(i);
        }
    }

    private static final class Worker extends Thread {
        private final Team team;
        private final int index;

        Worker(Team team, int index) {
            super("seqmix-" + index);
            this.team = team;
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            team.work(this);
        }
    }

    /** One job at a time: the caller publishes (body, n), workers and caller drain the item counter. */
    private static final class Team {
        private static final long SPIN_NANOS = 100_000;

        private final Worker[] workers;
        private final ReentrantLock lock = new ReentrantLock();
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger running = new AtomicInteger();
        private volatile IntConsumer body;
        private volatile int n;
        private volatile boolean affine;
        private volatile long generation;
        private volatile boolean stopped;
        private volatile Thread caller;
        private volatile Throwable failure;

        Team(int size) {
            workers = new Worker[size];
            for (int i = 0; i < size; i++) {
                workers[i] = new Worker(this, i);
                workers[i].start();
            }
        }

        boolean tryRun(int count, IntConsumer job, boolean fixed) {
            // held by this thread: a nested call from an item the caller is running (the lock is reentrant)
            if (lock.isHeldByCurrentThread() || !lock.tryLock()) return false;
            try {
                body = job;
                n = count;
                affine = fixed;
                failure = null;
                caller = Thread.currentThread();
                next.set(0);
                running.set(workers.length);
                generation++; // volatile write: publishes the job
                for (Worker w : workers) LockSupport.unpark(w);
                drain(0);
                long start = System.nanoTime();
                while (running.get() != 0) {
                    if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                    else LockSupport.parkNanos(this, 50_000);
                }
                body = null;
                Throwable f = failure;
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error err) throw err;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** Runs this thread's items: its fixed range when the job is affine, else items claimed from the counter. */
        private void drain(int part) {
            IntConsumer b = body;
            int count = n;
            if (affine) {
                int parts = workers.length + 1;
                int hi = (int) ((long) (part + 1) * count / parts);
                for (int i = (int) ((long) part * count / parts); i < hi; i++) runItem(b, i);
            } else {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) runItem(b, i);
            }
        }

        private void runItem(IntConsumer b, int i) {
            try {
                b.accept(i);
            } catch (Throwable e) {
                if (failure == null) failure = e;
            }
        }

        void work(Worker self) {
            long seen = 0; // generation at construction: a job published before this thread starts is still seen
            while (!stopped) {
                long start = System.nanoTime();
                while (generation == seen && !stopped) {
                    if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                if (stopped) return;
                seen = generation;
                drain(self.index + 1);
                if (running.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }

        void stop() {
            stopped = true;
            for (Worker w : workers) LockSupport.unpark(w);
        }
    }
}
