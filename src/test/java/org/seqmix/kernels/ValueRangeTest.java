package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;

/** allWithin (both implementations) and the parallel ValueRange against an element-by-element check. */
class ValueRangeTest {
    private static boolean exact(float[] a, int off, int n, float lo, float hi) {
        for (int i = 0; i < n; i++) if (!(a[off + i] >= lo && a[off + i] <= hi)) return false;
        return true;
    }

    @Test
    void allWithinFindsEveryKindOfBadValueAnywhere() {
        VectorOps[] impls = {new ScalarVectorOps(), VectorizationProvider.ops()};
        float[] bad = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 1e-7f, -2.5f};
        Random r = new Random(3);
        for (int n : new int[] {0, 1, 7, 16, 31, 32, 33, 100, 257}) {
            float[] a = new float[n + 5];
            for (int i = 0; i < a.length; i++) a[i] = -2f * r.nextFloat();
            a[2] = 0f; // the bounds are inclusive
            for (VectorOps ops : impls) {
                assertEquals(exact(a, 2, n, -2f, 0f), ops.allWithin(a, 2, n, -2f, 0f), ops + " n " + n);
                for (int pos = 0; pos < n; pos += Math.max(1, n / 5)) {
                    for (float b : bad) {
                        float keep = a[2 + pos];
                        a[2 + pos] = b;
                        assertFalse(ops.allWithin(a, 2, n, -2f, 0f), ops + " n " + n + " " + b + " at " + pos);
                        a[2 + pos] = keep;
                    }
                }
            }
        }
    }

    @Test
    void parallelCheckAgreesForAnyThreadCount() {
        int n = 5 * ValueRange.PIECE + 123;
        float[] a = new float[n];
        Random r = new Random(4);
        for (int i = 0; i < n; i++) a[i] = -10f * r.nextFloat();
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                assertTrue(ValueRange.logDecays(a, 0, n));
                for (int pos : new int[] {0, ValueRange.PIECE - 1, 3 * ValueRange.PIECE + 7, n - 1}) {
                    float keep = a[pos];
                    a[pos] = Float.NaN;
                    assertFalse(ValueRange.logDecays(a, 0, n), "NaN at " + pos);
                    a[pos] = Float.NEGATIVE_INFINITY;
                    assertFalse(ValueRange.logDecays(a, 0, n), "-Inf at " + pos);
                    a[pos] = 0.5f;
                    assertFalse(ValueRange.logDecays(a, 0, n), "0.5 at " + pos);
                    a[pos] = keep;
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
