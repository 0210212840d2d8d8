package org.seqmix.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorizationProvider;

/** The decode kernels (Panama vs scalar twin) and long-context decode split into segments (flash-decoding). */
class DecodeKernelTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void panamaMatchesScalar() throws Exception {
        assumeTrue(VectorizationProvider.vectorModulePresent(), "no jdk.incubator.vector: Panama decode kernel not tested");
        DecodeKernel panama = (DecodeKernel) Class.forName("org.seqmix.kernels.attention.PanamaDecodeKernel").getDeclaredConstructor().newInstance();
        DecodeKernel scalar = new ScalarDecodeKernel();
        Rng r = new Rng(3);
        int[] ds = {1, 7, 16, 31, 32, 33, 40, 64, 100, 128, 130, 160, 256};
        int[] ns = {1, 5, 15, 16, 17, 33, 47};
        for (int d : ds) {
            for (int n : ns) {
                float[] q = r.normal(1f, d + 3).toArray(), k = r.normal(1f, n * d + 5).toArray(), v = r.normal(1f, n * d + 5).toArray();
                float[] p = r.normal(1f, n + 2).toArray();
                short[] kh = new short[k.length], vh = new short[v.length];
                for (int i = 0; i < k.length; i++) {
                    kh[i] = Bf16Ops.fromFloat(k[i]);
                    vh[i] = Bf16Ops.fromFloat(v[i]);
                }
                String at = "d=" + d + " n=" + n;
                float[] s1 = new float[n + 1], s2 = new float[n + 1];
                scalar.scores(q, 3, k, 5, n, d, s1, 1);
                panama.scores(q, 3, k, 5, n, d, s2, 1);
                assertClose(s1, s2, 1e-5 * Math.sqrt(d), "scores " + at);
                float[] qk = new float[d];
                panama.toKernelOrder(q, 3, qk, 0, d, true);
                scalar.scoresBf16(q, 3, kh, 5, n, d, s1, 1);
                panama.scoresBf16(qk, 0, kh, 5, n, d, s2, 1);
                assertClose(s1, s2, 1e-5 * Math.sqrt(d), "bf16 scores " + at);
                float[] o1 = r.normal(1f, d + 4).toArray(), o2 = o1.clone();
                scalar.values(p, 2, n, v, 5, d, o1, 4);
                panama.values(p, 2, n, v, 5, d, o2, 4);
                assertClose(o1, o2, 1e-5 * Math.sqrt(n), "values " + at);
                float[] ok = new float[d], back = new float[d + 4];
                panama.toKernelOrder(o1, 4, ok, 0, d, true);
                scalar.valuesBf16(p, 2, n, vh, 5, d, o1, 4);
                panama.valuesBf16(p, 2, n, vh, 5, d, ok, 0);
                panama.fromKernelOrder(ok, 0, back, 4, d, true);
                for (int i = 0; i < d; i++) assertEquals(o1[4 + i], back[4 + i], 1e-5 * Math.sqrt(n) * (1 + Math.abs(o1[4 + i])), "bf16 values " + at);
            }
        }
    }

    @Test
    void groupedHeadsScoreExactlyAsOneHeadAtATime() throws Exception {
        assumeTrue(VectorizationProvider.vectorModulePresent(), "no jdk.incubator.vector: Panama decode kernel not tested");
        DecodeKernel panama = (DecodeKernel) Class.forName("org.seqmix.kernels.attention.PanamaDecodeKernel").getDeclaredConstructor().newInstance();
        Rng r = new Rng(11);
        for (int d : new int[] {8, 24, 40, 64, 100, 128}) {
            for (int heads : new int[] {1, 3, 4, 6, 8, 9}) {
                int n = 37, ss = n + 5;
                float[] q = r.normal(1f, heads * d + 2).toArray(), k = r.normal(1f, n * d + 3).toArray();
                short[] kh = new short[k.length];
                for (int i = 0; i < k.length; i++) kh[i] = Bf16Ops.fromFloat(k[i]);
                float[] one = new float[heads * ss + 2], grouped = new float[one.length], oneH = new float[one.length], groupedH = new float[one.length];
                for (int h = 0; h < heads; h++) {
                    panama.scores(q, 2 + h * d, k, 3, n, d, one, 1 + h * ss);
                    panama.scoresBf16(q, 2 + h * d, kh, 3, n, d, oneH, 1 + h * ss);
                }
                panama.scoresHeads(q, 2, heads, k, 3, n, d, grouped, 1, ss);
                panama.scoresBf16Heads(q, 2, heads, kh, 3, n, d, groupedH, 1, ss);
                assertArrayEquals(one, grouped, "f32 d=" + d + " heads=" + heads);
                assertArrayEquals(oneH, groupedH, "bf16 d=" + d + " heads=" + heads);
            }
        }
    }

    private static void assertClose(float[] a, float[] b, double tol, String what) {
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], tol * (1 + Math.abs(a[i])), what + " at " + i);
    }

    /** The last token's output computed in double from the definition (bf16 entries rounded first). */
    private static float[] lastRow(Tensor q, Tensor k, Tensor v, float scale, AttentionMask mask, boolean bf16, boolean all) {
        int bn = q.dim(0), t = q.dim(1), hqn = q.dim(2), d = q.dim(3), hn = k.dim(2), i = t - 1;
        float[] out = new float[bn * hqn * d];
        for (int b = 0; b < bn; b++) {
            for (int hq = 0; hq < hqn; hq++) {
                int h = hq / (hqn / hn);
                double[] s = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    s[j] = Double.NEGATIVE_INFINITY;
                    if (!all && !mask.visible(i, j)) continue;
                    double dot = 0;
                    for (int x = 0; x < d; x++) dot += (double) q.get(b, i, hq, x) * round(k.get(b, j, h, x), bf16);
                    s[j] = scale * dot;
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j < t; j++) z += Math.exp(s[j] - max);
                for (int x = 0; x < d; x++) {
                    double acc = 0;
                    for (int j = 0; j < t; j++) acc += Math.exp(s[j] - max) / z * round(v.get(b, j, h, x), bf16);
                    out[(b * hqn + hq) * d + x] = (float) acc;
                }
            }
        }
        return out;
    }

    private static float round(float x, boolean bf16) {
        return bf16 ? Bf16Ops.toFloat(Bf16Ops.fromFloat(x)) : x;
    }

    /** Prefills t-1 tokens, decodes the last one; checks it against the definition and for thread counts 1 and 2. */
    private static void checkLongDecode(long seed, int b, int t, int hq, int h, int d, AttentionMask mask, boolean ring, boolean bf16) {
        Tensor[] x = Reference.qkv(seed, b, t, hq, h, d);
        float scale = 0.3f;
        float[] ref = lastRow(x[0], x[1], x[2], scale, mask, bf16, false);
        float[][] outs = new float[2][];
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            KVCache c = ring
                    ? (bf16 ? KVCache.slidingBf16(b, hq, h, d, mask.windowSize(), mask.numSinkTokens()) : KVCache.sliding(b, hq, h, d, mask.windowSize(), mask.numSinkTokens()))
                    : (bf16 ? KVCache.growingBf16(b, hq, h, d, t, mask) : KVCache.growing(b, hq, h, d, t, mask));
            c.append(x[1].slice(1, 0, t - 1), x[2].slice(1, 0, t - 1));
            Tensor o = Tensor.zeros(b, hq, d);
            Attention.decode(c, x[0].select(1, t - 1).contiguous(), x[1].select(1, t - 1).contiguous(), x[2].select(1, t - 1).contiguous(), scale, o);
            outs[threads - 1] = o.toArray();
        }
        String at = "t=" + t + " d=" + d + " " + mask + (ring ? " ring" : "") + (bf16 ? " bf16" : "");
        assertArrayEquals(outs[0], outs[1], "thread count changed the result, " + at);
        double err = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            err += (outs[0][i] - ref[i]) * (double) (outs[0][i] - ref[i]);
            norm += ref[i] * (double) ref[i];
        }
        assertTrue(Math.sqrt(err / norm) < 2e-5, "rel_l2 " + Math.sqrt(err / norm) + " " + at);
    }

    @Test
    void longContextSplitIntoSegmentsMatchesTheDefinition() {
        for (boolean bf16 : new boolean[] {false, true}) {
            checkLongDecode(1, 2, 2 * KVCache.SEGMENT + 77, 4, 2, 40, AttentionMask.CAUSAL, false, bf16);
            checkLongDecode(2, 1, KVCache.SEGMENT + 1, 2, 2, 128, AttentionMask.CAUSAL, false, bf16);
            checkLongDecode(3, 1, 3 * KVCache.SEGMENT + 500, 2, 1, 33, AttentionMask.sliding(KVCache.SEGMENT + 300, 5), true, bf16);
            checkLongDecode(4, 1, 2 * KVCache.SEGMENT + 10, 3, 3, 64, AttentionMask.sliding(KVCache.SEGMENT + 2, 1), false, bf16);
        }
    }

    @Test
    void gqaGroupsAndShortSegmentsMatchTheDefinition() {
        for (boolean bf16 : new boolean[] {false, true}) {
            // 4 query heads per kv head; 2 kv heads at 1500 keys: segments halve to 256 keys (12 items)
            checkLongDecode(6, 1, 1500, 8, 2, 64, AttentionMask.CAUSAL, false, bf16);
            // MQA (1 kv head) with a window and sinks on a ring: 128-key segments across the ring's wrap
            checkLongDecode(7, 1, 900, 6, 1, 48, AttentionMask.sliding(700, 3), true, bf16);
        }
    }

    @Test
    void attendAllOverSegments() {
        int b = 1, t = 2 * KVCache.SEGMENT + 9, hq = 2, h = 1, d = 24;
        Tensor[] x = Reference.qkv(5, b, t, hq, h, d);
        KVCache c = KVCache.growingBf16(b, hq, h, d, t, AttentionMask.CAUSAL);
        c.append(x[1], x[2]);
        Tensor o = Tensor.zeros(b, hq, d);
        Attention.attendAll(c, x[0].select(1, t - 1).contiguous(), 0.2f, o);
        float[] ref = lastRow(x[0], x[1], x[2], 0.2f, AttentionMask.FULL, true, true);
        for (int i = 0; i < ref.length; i++) assertEquals(ref[i], o.toArray()[i], 2e-5 * (1 + Math.abs(ref[i])));
    }

    static Runnable longBf16DecodeStep() {
        int d = 128;
        KVCache c = KVCache.slidingBf16(1, 2, 2, d, 2 * KVCache.SEGMENT + 100, 4);
        Rng r = new Rng(6);
        c.append(r.normal(1f, 1, 2 * KVCache.SEGMENT + 50, 2, d), r.normal(1f, 1, 2 * KVCache.SEGMENT + 50, 2, d));
        Tensor q = r.normal(1f, 1, 2, d), k = r.normal(1f, 1, 2, d), v = r.normal(1f, 1, 2, d), o = Tensor.zeros(1, 2, d);
        return () -> Attention.decode(c, q, k, v, 0.1f, o);
    }

    @Test
    void longDecodeStepAllocatesNothing() throws Exception {
        double bytes = org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(DecodeKernelTest.class, "longBf16DecodeStep");
        assertTrue(bytes < 1, "decode allocates " + bytes + " bytes per step");
    }
}
