package org.seqmix.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.seqmix.kernels.Gemm;
import org.seqmix.kernels.VectorizationProvider;

/** Results bit-identical for 1 and 2 threads; the thread count is restored afterwards. */
class ParallelTest {
    int saved;

    @BeforeEach void save() { saved = Parallel.threads(); }
    @AfterEach void restore() { Parallel.setThreads(saved); }

    static float[] gemm(int threads, boolean tA, boolean tB, int m, int n, int k, float[] a, float[] b, float[] c0) {
        Parallel.setThreads(threads);
        float[] c = c0.clone();
        Gemm.sgemm(tA, tB, m, n, k, 0.75f, a, 0, tA ? m : k, b, 0, tB ? k : n, 0.5f, c, 0, n);
        return c;
    }

    @Test
    void gemmBitIdenticalForOneAndTwoThreads() {
        Random r = new Random(4);
        int[][] shapes = {{300, 300, 300}, {129, 700, 530}, {1000, 40, 100}, {64, 128, 128}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < c.length; i++) c[i] = r.nextFloat();
            for (boolean tA : new boolean[] {false, true}) {
                for (boolean tB : new boolean[] {false, true}) {
                    float[] one = gemm(1, tA, tB, m, n, k, a, b, c), two = gemm(2, tA, tB, m, n, k, a, b, c);
                    assertArrayEquals(one, two, "m=" + m + " n=" + n + " k=" + k + " tA=" + tA + " tB=" + tB);
                    assertFalse(java.util.Arrays.equals(one, c), "something was computed");
                }
            }
        }
    }

    @Test
    void forRangeBitIdenticalAndCoversEachItemOnce() {
        int items = 37, len = 1001;
        float[][] out1 = new float[items][], out2 = new float[items][];
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            float[][] out = threads == 1 ? out1 : out2;
            AtomicIntegerArray visits = new AtomicIntegerArray(items);
            Parallel.forRange(items, i -> {
                visits.incrementAndGet(i);
                float[] x = new float[len];
                for (int j = 0; j < len; j++) x[j] = (float) Math.sin(i * 1000 + j);
                VectorizationProvider.ops().softmax(x, 0, len);
                // a nested call runs inline and must not deadlock
                float[] acc = new float[1];
                Parallel.forRange(3, q -> acc[0] += VectorizationProvider.ops().dot(x, 0, x, 0, len - q));
                x[0] = acc[0];
                out[i] = x;
            });
            for (int i = 0; i < items; i++) assertEquals(1, visits.get(i), "item " + i + " visited once");
        }
        for (int i = 0; i < items; i++) assertArrayEquals(out1[i], out2[i], "item " + i);
        assertEquals(2, Parallel.threads());
    }

    @Test
    void forRangeAffineGivesEachThreadTheSameContiguousRangeOnEveryCall() {
        Parallel.setThreads(2);
        int items = 9;
        Thread[] first = new Thread[items];
        for (int call = 0; call < 50; call++) {
            Thread[] owner = new Thread[items];
            AtomicIntegerArray visits = new AtomicIntegerArray(items);
            Parallel.forRangeAffine(items, i -> {
                visits.incrementAndGet(i);
                owner[i] = Thread.currentThread();
            });
            for (int i = 0; i < items; i++) {
                assertEquals(1, visits.get(i), "item " + i + " visited once");
                if (call == 0) first[i] = owner[i];
                assertSame(first[i], owner[i], "item " + i + " ran on the same thread in call " + call);
            }
        }
        // the caller runs the first range [0, 4), the worker [4, 9)
        for (int i = 0; i < 4; i++) assertSame(Thread.currentThread(), first[i], "item " + i);
        for (int i = 4; i < items; i++) assertNotSame(Thread.currentThread(), first[i], "item " + i);
    }

    @Test
    void setThreadsValidates() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        Parallel.forRange(0, i -> fail("no items"));
    }
}
