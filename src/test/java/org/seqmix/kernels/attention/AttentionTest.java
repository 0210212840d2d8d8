package org.seqmix.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

class AttentionTest {
    static final double TOL = 2e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static List<AttentionMask> masks() {
        return List.of(AttentionMask.FULL, AttentionMask.CAUSAL, AttentionMask.sliding(1, 0), AttentionMask.sliding(17, 0),
                AttentionMask.sliding(70, 0), AttentionMask.sliding(10, 3), AttentionMask.sliding(5, 70), AttentionMask.sliding(64, 64));
    }

    @Test
    void naiveAndFlashMatchTheDefinition() {
        int[][] shapes = {{1, 1, 2, 1, 8}, {2, 7, 4, 2, 8}, {1, 64, 2, 2, 16}, {1, 65, 3, 1, 8}, {2, 130, 4, 2, 8}, {1, 200, 2, 1, 4}};
        long seed = 1;
        for (int[] s : shapes) {
            Tensor[] x = Reference.qkv(seed++, s[0], s[1], s[2], s[3], s[4]);
            float scale = Attention.defaultScale(s[4]);
            for (AttentionMask m : masks()) {
                Tensor ref = Reference.attention(x[0], x[1], x[2], scale, m);
                double en = Tensor.relativeL2Error(Attention.naive(x[0], x[1], x[2], scale, m), ref);
                double ef = Tensor.relativeL2Error(Attention.flash(x[0], x[1], x[2], scale, m), ref);
                assertTrue(en < TOL, () -> "naive " + m + " " + java.util.Arrays.toString(s) + ": " + en);
                assertTrue(ef < TOL, () -> "flash " + m + " " + java.util.Arrays.toString(s) + ": " + ef);
            }
        }
    }

    @Test
    void decodeMatchesFlashForGrowingAndRingCaches() {
        Tensor[] x = Reference.qkv(11, 2, 150, 4, 2, 8);
        float scale = 0.3f;
        for (AttentionMask m : masks()) {
            if (!m.causal()) continue;
            Tensor ref = Attention.flash(x[0], x[1], x[2], scale, m);
            Tensor grow = Reference.decode(KVCache.growing(2, 4, 2, 8, 150, m), x[0], x[1], x[2], scale);
            assertTrue(Tensor.relativeL2Error(grow, ref) < TOL, () -> "growing " + m);
            if (m.hasWindow()) {
                KVCache ring = KVCache.sliding(2, 4, 2, 8, m.windowSize(), m.numSinkTokens());
                long bytes = ring.bytes();
                Tensor viaRing = Reference.decode(ring, x[0], x[1], x[2], scale);
                assertTrue(Tensor.relativeL2Error(viaRing, ref) < TOL, () -> "ring " + m);
                assertEquals(bytes, ring.bytes(), "ring cache size is constant in the context length");
                assertEquals(150, ring.length());
            }
        }
    }

    @Test
    void prefillAppendThenDecodeContinues() {
        Tensor[] x = Reference.qkv(12, 1, 90, 2, 1, 8);
        AttentionMask m = AttentionMask.sliding(20, 2);
        Tensor ref = Attention.flash(x[0], x[1], x[2], 0.4f, m);
        KVCache ring = KVCache.sliding(1, 2, 1, 8, 20, 2);
        ring.append(x[1].slice(1, 0, 60), x[2].slice(1, 0, 60));
        Tensor tail = Reference.decode(ring, x[0].slice(1, 60, 90), x[1].slice(1, 60, 90), x[2].slice(1, 60, 90), 0.4f);
        assertTrue(Tensor.relativeL2Error(tail, ref.slice(1, 60, 90).contiguous()) < TOL);
    }

    @Test
    void nonCausalAttendAllMatchesFull() {
        Tensor[] x = Reference.qkv(13, 1, 33, 2, 2, 8);
        Tensor ref = Attention.flash(x[0], x[1], x[2], 0.35f, AttentionMask.FULL);
        KVCache c = KVCache.growing(1, 2, 2, 8, 33, AttentionMask.CAUSAL);
        c.append(x[1], x[2]);
        Tensor qt = Tensor.zeros(1, 2, 8), ot = Tensor.zeros(1, 2, 8);
        x[0].select(1, 5).copyInto(qt);
        Attention.attendAll(c, qt, 0.35f, ot);
        assertTrue(Tensor.relativeL2Error(ot, ref.select(1, 5).contiguous()) < TOL);
    }

    @Test
    void varlenEqualsEachSequenceAlone() {
        int[] cu = {0, 5, 5, 75, 140};
        Tensor[] x = Reference.qkv(17, 1, 140, 4, 2, 8);
        for (AttentionMask m : masks()) {
            Tensor packed = Attention.flashVarlen(x[0], x[1], x[2], 0.3f, m, cu);
            for (int s = 0; s + 1 < cu.length; s++) {
                if (cu[s] == cu[s + 1]) continue;
                Tensor alone = Attention.naive(x[0].slice(1, cu[s], cu[s + 1]), x[1].slice(1, cu[s], cu[s + 1]), x[2].slice(1, cu[s], cu[s + 1]), 0.3f, m);
                assertTrue(Tensor.relativeL2Error(packed.slice(1, cu[s], cu[s + 1]).contiguous(), alone) < TOL, m + " sequence " + s);
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Attention.flashVarlen(x[0], x[1], x[2], 0.3f, AttentionMask.CAUSAL, new int[] {0, 50, 130}));
        assertTrue(e.getMessage().startsWith("cu_seqlens:"), e.getMessage());
        Tensor[] y = Reference.qkv(18, 2, 10, 2, 2, 8);
        e = assertThrows(IllegalArgumentException.class, () -> Attention.flashVarlen(y[0], y[1], y[2], 0.3f, AttentionMask.CAUSAL, new int[] {0, 10}));
        assertTrue(e.getMessage().startsWith("q:"), e.getMessage());
    }

    @Test
    void flashNeverReadsKeyTilesTheMaskRemoves() {
        // NaN keys/values in tiles wholly outside every window: a kernel that visited them would produce NaN
        Tensor[] x = Reference.qkv(19, 1, 320, 2, 1, 8);
        for (int t = 70; t < 128; t++) {
            for (int c = 0; c < 8; c++) {
                x[1].set(Float.NaN, 0, t, 0, c);
                x[2].set(Float.NaN, 0, t, 0, c);
            }
        }
        Tensor o = Attention.flash(x[0], x[1], x[2], 0.3f, AttentionMask.sliding(30, 3));
        for (int t = 192; t < 320; t++) {
            for (int c = 0; c < 8; c++) assertTrue(Float.isFinite(o.get(0, t, 0, c)), "row " + t);
        }
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        Tensor[] x = Reference.qkv(14, 2, 100, 4, 2, 16);
        AttentionMask m = AttentionMask.sliding(30, 4);
        Parallel.setThreads(1);
        float[] f1 = Attention.flash(x[0], x[1], x[2], 0.25f, m).toArray();
        float[] n1 = Attention.naive(x[0], x[1], x[2], 0.25f, m).toArray();
        float[] d1 = Reference.decode(KVCache.sliding(2, 4, 2, 16, 30, 4), x[0], x[1], x[2], 0.25f).toArray();
        Parallel.setThreads(2);
        assertArrayEquals(f1, Attention.flash(x[0], x[1], x[2], 0.25f, m).toArray());
        assertArrayEquals(n1, Attention.naive(x[0], x[1], x[2], 0.25f, m).toArray());
        assertArrayEquals(d1, Reference.decode(KVCache.sliding(2, 4, 2, 16, 30, 4), x[0], x[1], x[2], 0.25f).toArray());
    }

    static Runnable decodeStep() {
        KVCache c = KVCache.sliding(1, 4, 2, 16, 8, 2);
        Tensor q = Tensor.zeros(1, 4, 16), k = Tensor.full(0.1f, 1, 2, 16), v = Tensor.full(1f, 1, 2, 16), o = Tensor.zeros(1, 4, 16);
        return () -> Attention.decode(c, q, k, v, 0.25f, o);
    }

    @Test
    void decodeStepAllocatesNothing() throws Exception {
        double bytes = org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(AttentionTest.class, "decodeStep");
        assertTrue(bytes < 1, "decode allocates " + bytes + " bytes per step");
    }

    @Test
    void rejectsBadInputsNamingTheArgument() {
        Tensor[] x = Reference.qkv(15, 1, 10, 4, 2, 8);
        Tensor q3 = Tensor.zeros(1, 10, 3, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> Attention.flash(q3, x[1], x[2], 1f, AttentionMask.CAUSAL));
        assertTrue(e.getMessage().startsWith("q:") && e.getMessage().contains("HQ=3"), e.getMessage());
        Tensor k16 = Tensor.zeros(1, 10, 2, 16);
        e = assertThrows(IllegalArgumentException.class, () -> Attention.naive(x[0], k16, x[2], 1f, AttentionMask.CAUSAL));
        assertTrue(e.getMessage().startsWith("k:") && e.getMessage().contains("[1, 10, 2, 8]") && e.getMessage().contains("[1, 10, 2, 16]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Attention.flash(x[0], x[1], Tensor.zeros(1, 10, 2, 4), 1f, AttentionMask.CAUSAL));
        assertTrue(e.getMessage().startsWith("v:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Attention.flash(x[0], x[1], x[2], Float.NaN, AttentionMask.CAUSAL));
        assertTrue(e.getMessage().startsWith("scale:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Attention.flash(Tensor.zeros(10, 4, 8), x[1], x[2], 1f, AttentionMask.CAUSAL));
        assertTrue(e.getMessage().startsWith("q:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionMask.sliding(0, 0));
        assertTrue(e.getMessage().startsWith("window_size:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionMask.sliding(4, -1));
        assertTrue(e.getMessage().startsWith("num_sink_tokens:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AttentionMask(false, 8, 0));
    }

    @Test
    void rejectedStepLeavesTheCacheUnchanged() {
        Tensor[] x = Reference.qkv(16, 1, 3, 2, 1, 4);
        KVCache c = KVCache.growing(1, 2, 1, 4, 2, AttentionMask.CAUSAL);
        Reference.decode(c, x[0].slice(1, 0, 2), x[1].slice(1, 0, 2), x[2].slice(1, 0, 2), 1f);
        float[] k0 = c.k.clone(), v0 = c.v.clone();
        Tensor q = Tensor.zeros(1, 2, 4), k = Tensor.zeros(1, 1, 4), v = Tensor.zeros(1, 1, 4), o = Tensor.zeros(1, 2, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> Attention.decode(c, q, k, v, 1f, o));
        assertTrue(e.getMessage().startsWith("cache:") && e.getMessage().contains("full"), e.getMessage());
        KVCache c2 = KVCache.growing(1, 2, 1, 4, 8, AttentionMask.CAUSAL);
        e = assertThrows(IllegalArgumentException.class, () -> Attention.decode(c2, q, Tensor.zeros(1, 2, 4), v, 1f, o));
        assertTrue(e.getMessage().startsWith("k:") && e.getMessage().contains("[1, 1, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Attention.decode(c2, q, k, v, Float.NaN, o));
        assertThrows(IllegalArgumentException.class, () -> c.append(x[1], x[2]));
        assertEquals(2, c.length());
        assertEquals(0, c2.length());
        assertArrayEquals(k0, c.k);
        assertArrayEquals(v0, c.v);
    }

    @Test
    void ropeRotatesPairsAndKeepsRelativePositions() {
        RoPE rope = new RoPE(8, 10000);
        float[] q = {1, 2, 3, 4, 5, 6, 7, 8}, k = {0.5f, -1, 2, 0, 1, 1, -2, 3};
        float[] q0 = q.clone();
        rope.apply(q0, 0, 0);
        assertArrayEquals(q, q0, "position 0 is the identity");
        // rotate_half: the first pair (index 0 and D/2) turns by angle pos * theta^0 = pos
        float[] a = q.clone();
        rope.apply(a, 0, 1);
        assertEquals(1 * Math.cos(1) - 5 * Math.sin(1), a[0], 1e-6);
        assertEquals(5 * Math.cos(1) + 1 * Math.sin(1), a[4], 1e-6);
        double dot1 = dotAt(rope, q, 3, k, 1), dot2 = dotAt(rope, q, 12, k, 10);
        assertEquals(dot1, dot2, 1e-4, "q·k depends on the offset only");
        assertThrows(IllegalArgumentException.class, () -> new RoPE(7, 10000));
    }

    private static double dotAt(RoPE r, float[] q, int pq, float[] k, int pk) {
        float[] a = q.clone(), b = k.clone();
        r.apply(a, 0, pq);
        r.apply(b, 0, pk);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
