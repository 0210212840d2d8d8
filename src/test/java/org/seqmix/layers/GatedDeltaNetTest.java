package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/** GatedDeltaNet: forward == steps, prefill + decode == forward, determinism, rejected calls, config. The checks are shared with the other delta-rule layers. */
class GatedDeltaNetTest {
    static Tensor input(long seed, int... shape) {
        Random r = new Random(seed);
        Tensor x = Tensor.zeros(shape);
        float[] a = x.data();
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return x;
    }

    static Tensor stepAll(SequenceMixer layer, Tensor x, MixerCache cache, int from, int to) {
        int b = x.dim(0), d = x.dim(2);
        Tensor y = Tensor.zeros(b, to - from, d), yt = Tensor.zeros(b, d);
        for (int t = from; t < to; t++) {
            layer.step(x.select(1, t).contiguous(), cache, yt);
            yt.copyInto(y.select(1, t - from));
        }
        return y;
    }

    static void forwardEqualsSteps(SequenceMixer layer) {
        Tensor x = input(1, 2, 37, layer.hiddenSize());
        Tensor full = layer.forward(x, null);
        Tensor stepped = stepAll(layer, x, layer.newCache(2), 0, 37);
        double e = Tensor.relativeL2Error(stepped, full);
        assertTrue(e < 2e-5, "forward vs step: " + e);
    }

    static void prefillThenDecodeEqualsForward(SequenceMixer layer) {
        Tensor x = input(2, 2, 40, layer.hiddenSize());
        Tensor full = layer.forward(x, null);
        MixerCache cache = layer.newCache(2);
        Tensor y1 = layer.forward(x.slice(1, 0, 13), cache);
        Tensor y2 = layer.forward(x.slice(1, 13, 29), cache);
        Tensor y3 = stepAll(layer, x, cache, 29, 40);
        assertEquals(40, cache.tokens());
        assertTrue(Tensor.relativeL2Error(y1, full.slice(1, 0, 13)) < 2e-5);
        assertTrue(Tensor.relativeL2Error(y2, full.slice(1, 13, 29)) < 2e-5);
        assertTrue(Tensor.relativeL2Error(y3, full.slice(1, 29, 40)) < 2e-5);
        cache.reset();
        assertEquals(0, cache.tokens());
        assertTrue(Tensor.relativeL2Error(layer.forward(x, cache), full) < 1e-6);
    }

    static void deterministicAcrossThreads(SequenceMixer layer) {
        Tensor x = input(3, 2, 30, layer.hiddenSize());
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Tensor a = layer.forward(x, null), sa = stepAll(layer, x, layer.newCache(2), 0, 5);
            Parallel.setThreads(2);
            Tensor b = layer.forward(x, null), sb = stepAll(layer, x, layer.newCache(2), 0, 5);
            assertArrayEquals(a.data(), b.data());
            assertArrayEquals(sa.data(), sb.data());
        } finally {
            Parallel.setThreads(saved);
        }
    }

    static float[] snapshot(GatedDeltaNetCache c) {
        float[] s = c.state.toArray();
        if (c.convQ == null) return s;
        float[] q = c.convQ.toArray(), k = c.convK.toArray(), v = c.convV.toArray();
        float[] all = new float[s.length + q.length + k.length + v.length];
        System.arraycopy(s, 0, all, 0, s.length);
        System.arraycopy(q, 0, all, s.length, q.length);
        System.arraycopy(k, 0, all, s.length + q.length, k.length);
        System.arraycopy(v, 0, all, s.length + q.length + k.length, v.length);
        return all;
    }

    static void rejectedCallsLeaveCacheUntouched(SequenceMixer layer) {
        int d = layer.hiddenSize();
        GatedDeltaNetCache cache = (GatedDeltaNetCache) layer.newCache(2);
        layer.forward(input(4, 2, 9, d), cache);
        float[] before = snapshot(cache);
        long tokens = cache.tokens();
        Tensor nan = input(5, 2, 3, d);
        nan.set(Float.NaN, 1, 2, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> layer.forward(nan, cache));
        assertTrue(e.getMessage().startsWith("x"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> layer.forward(input(5, 2, 3, d + 1), cache));
        assertTrue(e2.getMessage().contains("[2, 3, " + (d + 1) + "]"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> layer.forward(input(5, 3, 3, d), cache));
        Tensor nanStep = input(6, 2, d);
        nanStep.set(Float.POSITIVE_INFINITY, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> layer.step(nanStep, cache, Tensor.zeros(2, d)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(input(6, 3, d), cache, Tensor.zeros(3, d)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(input(6, 2, d), cache, Tensor.zeros(2, d + 1)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(input(6, 2, d), layer.newCache(3), Tensor.zeros(2, d)));
        assertArrayEquals(before, snapshot(cache));
        assertEquals(tokens, cache.tokens());
    }

    /** The layer made by {@code cls#factory()}, stepped to steady state in a fresh JVM, allocates nothing per step. */
    static void stepAllocatesNothing(Class<?> cls, String factory) throws Exception {
        double bytes = org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(cls, factory);
        assertTrue(bytes < 1, cls.getSimpleName() + "#" + factory + ": step allocates " + bytes + " bytes per step");
    }

    static GatedDeltaNet smallWithoutConv() {
        return small(true, false, false);
    }

    static GatedDeltaNet smallWithConv() {
        return small(true, false, true);
    }

    static GatedDeltaNet small(boolean useGate, boolean negEig, boolean shortConv) {
        // GVA (4 value heads over 2 q/k heads), head_v_dim = 12 (expand_v 1.5), chunk 16 so T = 37 spans 3 chunks
        return GatedDeltaNet.random(new GatedDeltaNet.Config(32, 8, 2, 4, 1.5, 3, useGate, shortConv, true, negEig, 1e-5, 16), 42);
    }

    @Test
    void forwardEqualsSteps() {
        forwardEqualsSteps(small(true, false, true));
        forwardEqualsSteps(small(false, true, true));
        forwardEqualsSteps(small(true, false, false));
    }

    @Test
    void prefillThenDecodeEqualsForward() {
        prefillThenDecodeEqualsForward(small(true, false, true));
    }

    @Test
    void deterministicAcrossThreads() {
        deterministicAcrossThreads(small(true, false, true));
    }

    @Test
    void rejectedCallsLeaveCacheUntouched() {
        rejectedCallsLeaveCacheUntouched(small(true, false, true));
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        // without short conv: the layer's own step path
        stepAllocatesNothing(GatedDeltaNetTest.class, "smallWithoutConv");
    }

    @Test
    void stepWithShortConvAllocatesNothing() throws Exception {
        stepAllocatesNothing(GatedDeltaNetTest.class, "smallWithConv");
    }

    @Test
    void configFromFlaArguments() {
        GatedDeltaNet.Config c = GatedDeltaNet.Config.fromMap(Map.of("hidden_size", 64, "head_dim", 16, "num_heads", 4,
                "num_v_heads", 8, "expand_v", 2.0, "use_gate", false));
        assertEquals(32, c.headVDim());
        assertEquals(256, c.valueDim());
        assertThrows(IllegalArgumentException.class, () -> GatedDeltaNet.Config.fromMap(Map.of("hidden_size", 64, "qk_norm", "l1")));
        assertThrows(IllegalArgumentException.class, () -> GatedDeltaNet.Config.fromMap(Map.of("num_heads", 4, "num_v_heads", 6)));
        assertThrows(IllegalArgumentException.class, () -> GatedDeltaNet.Config.fromMap(Map.of("head_dim", 16, "expand_v", 0.3)));
        GatedDeltaNet demo = GatedDeltaNet.demo(1);
        assertEquals(1024, demo.hiddenSize());
    }
}
