package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.attention.Attention;
import org.seqmix.kernels.attention.AttentionMask;
import org.seqmix.kernels.attention.BlockMask;
import org.seqmix.kernels.attention.RoPE;

class AttentionLayersTest {
    static final double TOL = 1e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static List<SequenceMixer> layers() {
        BlockMask mask = BlockMask.empty(2, 4, 16, 16);
        Rng r = new Rng(99);
        for (int b = 0; b < 2; b++)
            for (int h = 0; h < 4; h++)
                for (int i = 0; i < 16; i++)
                    for (int j = 0; j <= i; j++) mask.set(b, h, i, j, i == j || r.nextDouble() < 0.5);
        return List.of(
                MultiHeadAttention.random(new MultiHeadAttention.Config(32, 4, 2, 8, 10000, true, true, 64), 1),
                MultiHeadAttention.random(new MultiHeadAttention.Config(32, 4, 4, 8, 0, true, false, 64), 2),
                SlidingWindowAttention.random(new SlidingWindowAttention.Config(32, 4, 2, 8, 5, 2, 500, false), 3),
                SlidingWindowAttention.random(new SlidingWindowAttention.Config(32, 4, 1, 8, 70, 0, 0, true), 4),
                BlockSparseAttention.random(new BlockSparseAttention.Config(32, 4, 2, 8, 4, 100, 10000, false, 64), 5),
                BlockSparseAttention.random(new BlockSparseAttention.Config(32, 4, 2, 8, 4, 2, 10000, false, 64), 6).withStaticMask(mask));
    }

    @Test
    void forwardEqualsSteppingTokenByToken() {
        for (SequenceMixer layer : layers()) {
            Tensor x = new Rng(7).normal(1f, 2, 29, layer.hiddenSize());
            Tensor full = layer.forward(x, null);
            Tensor stepped = LayerSteps.steps(layer, x, layer.newCache(2));
            double e = Tensor.relativeL2Error(stepped, full);
            assertTrue(e < TOL, () -> layer.name() + ": " + e);
        }
    }

    @Test
    void forwardThenStepsEqualsForwardOverTheWhole() {
        for (SequenceMixer layer : layers()) {
            Tensor x = new Rng(8).normal(1f, 2, 31, layer.hiddenSize());
            Tensor full = layer.forward(x, null);
            MixerCache c = layer.newCache(2);
            Tensor head = layer.forward(x.slice(1, 0, 12), c);
            assertEquals(12, c.tokens());
            Tensor tail = LayerSteps.steps(layer, x.slice(1, 12, 31).contiguous(), c);
            assertTrue(Tensor.relativeL2Error(head, full.slice(1, 0, 12).contiguous()) < TOL, layer.name());
            assertTrue(Tensor.relativeL2Error(tail, full.slice(1, 12, 31).contiguous()) < TOL, layer.name());
            // a second forward on a non-empty cache continues it
            MixerCache c2 = layer.newCache(2);
            layer.forward(x.slice(1, 0, 9), c2);
            Tensor rest = layer.forward(x.slice(1, 9, 31), c2);
            assertTrue(Tensor.relativeL2Error(rest, full.slice(1, 9, 31).contiguous()) < TOL, layer.name());
        }
    }

    @Test
    void slidingWindowCacheIsConstantInContextLength() {
        var layer = SlidingWindowAttention.random(new SlidingWindowAttention.Config(16, 2, 1, 8, 4, 1, 10000, false), 9);
        MixerCache c = layer.newCache(1);
        long bytes = c.bytes();
        LayerSteps.steps(layer, new Rng(1).normal(1f, 1, 50, 16), c);
        assertEquals(bytes, c.bytes());
        assertEquals(50, c.tokens());
    }

    @Test
    void fromWeightsUsesTheNamedProjections() {
        int hidden = 16, hq = 4, h = 2, d = 4;
        Rng r = new Rng(10);
        Map<String, Tensor> m = new HashMap<>();
        m.put("attn.q_proj.weight", r.normal(0.3f, hq * d, hidden));
        m.put("attn.k_proj.weight", r.normal(0.3f, h * d, hidden));
        m.put("attn.v_proj.weight", r.normal(0.3f, h * d, hidden));
        m.put("attn.o_proj.weight", r.normal(0.3f, hidden, hq * d));
        m.put("attn.q_proj.bias", r.normal(0.3f, hq * d));
        m.put("attn.o_proj.bias", r.normal(0.3f, hidden));
        Weights w = new Weights(m).under("attn");
        var layer = MultiHeadAttention.fromWeights(new MultiHeadAttention.Config(hidden, hq, h, d, 100, true, false, 16), w);
        Tensor x = r.normal(1f, 1, 10, hidden);
        Tensor q = Linear.apply(x, m.get("attn.q_proj.weight"), m.get("attn.q_proj.bias")).reshape(1, 10, hq, d);
        Tensor k = Linear.apply(x, m.get("attn.k_proj.weight"), null).reshape(1, 10, h, d);
        Tensor v = Linear.apply(x, m.get("attn.v_proj.weight"), null).reshape(1, 10, h, d);
        new RoPE(d, 100).apply(q, 0);
        new RoPE(d, 100).apply(k, 0);
        Tensor o = Attention.naive(q, k, v, 0.5f, AttentionMask.CAUSAL).reshape(1, 10, hq * d);
        Tensor expected = Linear.apply(o, m.get("attn.o_proj.weight"), m.get("attn.o_proj.bias"));
        assertTrue(Tensor.relativeL2Error(layer.forward(x, null), expected) < TOL);
        m.remove("attn.v_proj.weight");
        var e = assertThrows(IllegalArgumentException.class,
                () -> SlidingWindowAttention.fromWeights(new SlidingWindowAttention.Config(hidden, hq, h, d, 4, 0, 0, false), new Weights(m).under("attn")));
        assertTrue(e.getMessage().contains("v_proj.weight"), e.getMessage());
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        Tensor x = new Rng(11).normal(1f, 2, 60, 32);
        for (SequenceMixer layer : layers()) {
            Parallel.setThreads(1);
            float[] a = layer.forward(x, null).toArray();
            float[] s = LayerSteps.steps(layer, x.slice(1, 0, 20).contiguous(), layer.newCache(2)).toArray();
            Parallel.setThreads(2);
            assertArrayEquals(a, layer.forward(x, null).toArray(), layer.name());
            assertArrayEquals(s, LayerSteps.steps(layer, x.slice(1, 0, 20).contiguous(), layer.newCache(2)).toArray(), layer.name());
        }
    }

    @Test
    void rejectsBadInputsAndLeavesTheCacheUnchanged() {
        assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention.Config(32, 3, 2, 8, 0, true, false, 8));
        assertThrows(IllegalArgumentException.class, () -> new SlidingWindowAttention.Config(32, 4, 2, 8, 0, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SlidingWindowAttention.Config(32, 4, 2, 8, 4, -1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new BlockSparseAttention.Config(32, 4, 2, 8, 0, 1, 0, false, 8));
        assertThrows(IllegalArgumentException.class, () -> new BlockSparseAttention.Config(32, 4, 2, 8, 4, -1, 0, false, 8));
        assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention.Config(32, 4, 2, 7, 10000, true, false, 8));
        for (SequenceMixer layer : layers()) {
            MixerCache c = layer.newCache(2);
            layer.forward(new Rng(12).normal(1f, 2, 5, 32), c);
            var e = assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(2, 3, 31), c));
            assertTrue(e.getMessage().startsWith("x:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(1, 3, 32), c));
            assertTrue(e.getMessage().startsWith("x:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, 31), c, Tensor.zeros(2, 32)));
            assertTrue(e.getMessage().startsWith("x:") && e.getMessage().contains("[2, 32]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, 32), c, Tensor.zeros(3, 32)));
            assertTrue(e.getMessage().startsWith("y:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, 32), layers().get(0).newCache(2), Tensor.zeros(2, 32)));
            assertTrue(e.getMessage().startsWith("cache:"), e.getMessage());
            assertEquals(5, c.tokens(), layer.name());
        }
        var mha = MultiHeadAttention.random(new MultiHeadAttention.Config(16, 2, 1, 8, 0, true, false, 6), 13);
        MixerCache c = mha.newCache(1);
        Tensor x = new Rng(14).normal(1f, 1, 7, 16);
        var e = assertThrows(IllegalArgumentException.class, () -> mha.forward(x, c));
        assertTrue(e.getMessage().startsWith("cache:"), e.getMessage());
        assertEquals(0, c.tokens());
        mha.forward(x.slice(1, 0, 6), c);
        assertThrows(IllegalArgumentException.class, () -> mha.step(Tensor.zeros(1, 16), c, Tensor.zeros(1, 16)));
        assertEquals(6, c.tokens());
    }

    static SequenceMixer slidingForAllocation() {
        return SlidingWindowAttention.random(new SlidingWindowAttention.Config(128, 4, 2, 32, 6, 2, 10000, true), 15);
    }

    static SequenceMixer blockSparseForAllocation() {
        return BlockSparseAttention.random(new BlockSparseAttention.Config(128, 4, 2, 32, 4, 2, 10000, false, 2000), 16);
    }

    static SequenceMixer mhaForAllocation() {
        return MultiHeadAttention.random(new MultiHeadAttention.Config(128, 4, 2, 32, 10000, true, false, 2000), 17);
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        // measured in a fresh JVM at steady state, like a JMH fork
        for (String factory : List.of("slidingForAllocation", "blockSparseForAllocation", "mhaForAllocation")) {
            double bytes = org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(AttentionLayersTest.class, factory);
            assertTrue(bytes < 1, factory + ": step allocates " + bytes + " bytes per call");
        }
    }

    @Test
    void demoLayersRun() {
        for (SequenceMixer layer : List.of(MultiHeadAttention.demo(1), SlidingWindowAttention.demo(1), BlockSparseAttention.demo(1))) {
            assertEquals(1024, layer.hiddenSize());
            Tensor x = new Rng(2).normal(1f, 1, 3, 1024);
            MixerCache c = layer.newCache(1);
            Tensor y = layer.forward(x.slice(1, 0, 2), c);
            Tensor yt = Tensor.zeros(1, 1024);
            layer.step(x.select(1, 2).contiguous(), c, yt);
            assertTrue(Tensor.relativeL2Error(yt, layer.forward(x, null).select(1, 2).contiguous()) < TOL, layer.name());
            assertEquals(2, y.dim(1));
        }
    }
}
