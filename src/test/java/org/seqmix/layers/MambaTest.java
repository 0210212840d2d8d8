package org.seqmix.layers;

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

class MambaTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static final Mamba.Config[] CONFIGS = {
            new Mamba.Config(16, 8, 4, 2, 1, true, false), new Mamba.Config(24, 4, 2, 1, 3, false, true), new Mamba.Config(16, 16, 1, 2, 2, true, true)};

    @Test
    void formsAgreeForEveryConfig() {
        long seed = 20;
        for (Mamba.Config c : CONFIGS) Mamba2Test.checkForms(Mamba.random(c, seed), seed++, c.toString());
    }

    @Test
    void forwardBitIdenticalForAnyThreadCount() {
        Mamba2Test.checkThreadCounts(Mamba.random(CONFIGS[0], 5));
    }

    @Test
    void rejectedCallsLeaveTheCacheUntouched() {
        Mamba layer = Mamba.random(CONFIGS[1], 7);
        MambaCache cache = layer.newCache(2);
        Mamba2Test.checkRejections(layer, cache, cache.convState(), cache.ssmState());
    }

    @Test
    void configFromMapHonoursOrRejects() {
        Map<String, Object> m = new HashMap<>(Map.of("d_model", 32, "d_state", 8, "dt_rank", "auto", "bias", true));
        assertEquals(new Mamba.Config(32, 8, 4, 2, 2, true, true), Mamba.Config.fromMap(m));
        m.put("dt_rank", 5);
        assertEquals(5, Mamba.Config.fromMap(m).dtRank());
        m.put("dt_rank", "big");
        assertThrows(IllegalArgumentException.class, () -> Mamba.Config.fromMap(m));
        m.put("dt_rank", 5);
        m.put("headdim", 4);
        assertThrows(IllegalArgumentException.class, () -> Mamba.Config.fromMap(m));
        assertEquals(Mamba.Config.of(33).dtRank(), 3);
    }

    static Mamba allocationLayer() {
        return Mamba.random(CONFIGS[2], 8);
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        double bytes = StepAllocationTest.bytesPerCall(MambaTest.class, "allocationLayer");
        assertTrue(bytes < 1, "Mamba.step allocates " + bytes + " bytes per call");
    }

    @Test
    void simdForwardAllocatesOnlyItsTensors() throws Exception {
        ForwardAllocation.assertSimdAllocatesOnlyTensors("mamba");
    }

    @Test
    void demoHasTheTypicalSize() {
        Mamba demo = Mamba.demo(1);
        assertEquals(1024, demo.hiddenSize());
        assertEquals(16, demo.config().dState());
        assertEquals(64, demo.config().dtRank());
        Tensor y = Tensor.zeros(1, 1024);
        demo.step(new Rng(2).normal(1f, 1, 1024), demo.newCache(1), y);
        for (float v : y.toArray()) assertTrue(Float.isFinite(v));
    }
}
