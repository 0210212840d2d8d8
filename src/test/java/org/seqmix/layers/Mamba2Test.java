package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.mamba.StepAllocationTest;

class Mamba2Test {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** d_model 16, d_state 8, d_conv, expand 2, headdim 8 (4 heads), ngroups, chunk 5 (T is never a multiple). */
    static Mamba2.Config cfg(int ngroups, int dConv, boolean rmsnorm, boolean normBeforeGate, boolean dHasHdim, boolean bias, boolean convBias) {
        return new Mamba2.Config(16, 8, dConv, 2, 8, ngroups, 5, rmsnorm, normBeforeGate, dHasHdim, bias, convBias);
    }

    static final Mamba2.Config[] CONFIGS = {
            cfg(1, 4, true, false, false, false, true), cfg(2, 4, true, false, true, true, false), cfg(4, 2, true, true, false, false, true),
            cfg(2, 3, false, false, false, true, true), cfg(1, 1, true, true, true, false, false)};

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        double e = Tensor.relativeL2Error(actual, expected);
        assertTrue(e < tol, what + ": rel_l2 " + e);
    }

    /** forward == steps; forward then steps == longer forward; forward in two parts == one forward; cache tokens. */
    static void checkForms(SequenceMixer layer, long seed, String what) {
        Tensor x = new Rng(seed).normal(1f, 2, 23, layer.hiddenSize());
        Tensor full = layer.forward(x, null);
        assertClose(full, LayerSteps.steps(layer, x, layer.newCache(2)), 1e-5, what + " forward vs step");
        MixerCache cache = layer.newCache(2);
        Tensor head = layer.forward(x.slice(1, 0, 9), cache);
        assertEquals(9, cache.tokens());
        Tensor tail = LayerSteps.steps(layer, x.slice(1, 9, 23), cache);
        assertEquals(23, cache.tokens());
        assertClose(full.slice(1, 0, 9), head, 1e-5, what + " prefix");
        assertClose(full.slice(1, 9, 23), tail, 1e-5, what + " forward then steps");
        MixerCache c2 = layer.newCache(2);
        layer.forward(x.slice(1, 0, 9), c2);
        assertClose(full.slice(1, 9, 23), layer.forward(x.slice(1, 9, 23), c2), 1e-5, what + " forward in two parts");
        c2.reset();
        assertEquals(0, c2.tokens());
        assertClose(full.slice(1, 0, 9), layer.forward(x.slice(1, 0, 9), c2), 1e-6, what + " after reset");
    }

    /** Rejected calls leave the cache as it was. */
    static void checkRejections(SequenceMixer layer, MixerCache cache, Tensor... states) {
        int h = layer.hiddenSize();
        layer.forward(new Rng(3).normal(1f, 2, 4, h), cache);
        float[][] before = new float[states.length][];
        for (int i = 0; i < states.length; i++) before[i] = states[i].toArray();
        long tokens = cache.tokens();
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, h + 1), cache, Tensor.zeros(2, h)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, h), cache, Tensor.zeros(2, h + 1)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(3, h), cache, Tensor.zeros(3, h)));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(3, 4, h), cache));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(2, 4, h - 1), cache));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(2, 0, h), cache));
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, h), null, Tensor.zeros(2, h)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, h), foreignCache(), Tensor.zeros(2, h)));
        assertTrue(e.getMessage().startsWith("cache"), e.getMessage());
        for (int i = 0; i < states.length; i++) assertArrayEquals(before[i], states[i].toArray(), "state " + i + " changed by a rejected call");
        assertEquals(tokens, cache.tokens());
    }

    static MixerCache foreignCache() {
        return new MixerCache() {
            @Override public int batch() { return 2; }
            @Override public long tokens() { return 0; }
            @Override public long bytes() { return 0; }
            @Override public void reset() {}
        };
    }

    @Test
    void formsAgreeForEveryConfig() {
        long seed = 10;
        for (Mamba2.Config c : CONFIGS) checkForms(Mamba2.random(c, seed), seed++, c.toString());
    }

    @Test
    void forwardBitIdenticalForAnyThreadCount() {
        checkThreadCounts(Mamba2.random(CONFIGS[1], 5));
    }

    /** forward of a [2, 30, hidden] input is bit-identical on 1 and 2 threads. */
    static void checkThreadCounts(SequenceMixer layer) {
        Tensor x = new Rng(6).normal(1f, 2, 30, layer.hiddenSize());
        Parallel.setThreads(1);
        Tensor one = layer.forward(x, null);
        Parallel.setThreads(2);
        Tensor two = layer.forward(x, null);
        assertArrayEquals(one.toArray(), two.toArray(), layer.name());
    }

    @Test
    void rejectedCallsLeaveTheCacheUntouched() {
        Mamba2 layer = Mamba2.random(CONFIGS[0], 7);
        Mamba2Cache cache = layer.newCache(2);
        checkRejections(layer, cache, cache.convState(), cache.ssmState());
    }

    @Test
    void configFromMapHonoursOrRejects() {
        Map<String, Object> m = new HashMap<>(Map.of("d_model", 64, "d_state", 16, "headdim", 16, "ngroups", 2, "chunk_size", 16,
                "norm_before_gate", true, "D_has_hdim", true, "bias", true, "conv_bias", false));
        Mamba2.Config c = Mamba2.Config.fromMap(m);
        assertEquals(new Mamba2.Config(64, 16, 4, 2, 16, 2, 16, true, true, true, true, false), c);
        assertEquals(128 * 2 + 2 * 2 * 16 + 8, c.dInProj());
        m.put("d_ssm", 64);
        assertThrows(IllegalArgumentException.class, () -> Mamba2.Config.fromMap(m));
        m.remove("d_ssm");
        m.put("mystery", 1);
        assertThrows(IllegalArgumentException.class, () -> Mamba2.Config.fromMap(m));
        m.remove("mystery");
        m.put("activation", "relu");
        assertThrows(IllegalArgumentException.class, () -> Mamba2.Config.fromMap(m));
        m.put("activation", "silu");
        m.put("ngroups", 3);
        assertThrows(IllegalArgumentException.class, () -> Mamba2.Config.fromMap(m)); // 8 heads, 3 groups
    }

    @Test
    void weightsAreCheckedByName() {
        Mamba2.Config c = CONFIGS[0];
        Map<String, Tensor> w = new HashMap<>();
        w.put("in_proj.weight", Tensor.zeros(c.dInProj(), 16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mamba2.fromWeights(c, new Weights(w)));
        assertTrue(e.getMessage().contains("conv1d.weight"), e.getMessage());
        w.put("conv1d.weight", Tensor.zeros(c.convDim(), 1, 3));
        e = assertThrows(IllegalArgumentException.class, () -> Mamba2.fromWeights(c, new Weights(w)));
        assertTrue(e.getMessage().startsWith("conv1d.weight"), e.getMessage());
    }

    static Mamba2 allocationLayer() {
        return Mamba2.random(CONFIGS[1], 8);
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        double bytes = StepAllocationTest.bytesPerCall(Mamba2Test.class, "allocationLayer");
        assertTrue(bytes < 1, "Mamba2.step allocates " + bytes + " bytes per call");
    }

    @Test
    void demoHasTheTypicalSize() {
        Mamba2 demo = Mamba2.demo(1);
        assertEquals(1024, demo.hiddenSize());
        assertEquals(64, demo.config().headdim());
        assertEquals(128, demo.config().dState());
        Mamba2Cache cache = demo.newCache(1);
        Tensor y = Tensor.zeros(1, 1024);
        demo.step(new Rng(2).normal(1f, 1, 1024), cache, y);
        for (float v : y.toArray()) assertTrue(Float.isFinite(v));
        assertEquals(4L * (1 * (2048 + 256) * 3 + 32 * 64 * 128), cache.bytes());
    }
}
