package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatedLinearAttentionTest {
    /** Grouped kv heads, a chunk size that does not divide T, clamp_min set. */
    static GatedLinearAttention small() {
        var c = new GatedLinearAttention.Config(48, 0.5, 1.0, 4, 2, true, true, 1e-5f, 16f, 8, -0.05f, 7);
        return GatedLinearAttention.random(c, 42);
    }

    @Test
    void forwardEqualsSteps() {
        LinearAttentionLayerChecks.forwardEqualsSteps(small(), 2, 30);
        var noGate = new GatedLinearAttention.Config(32, 1.0, 1.0, 2, 2, false, true, 1e-5f, 8f, 4, Float.NaN, 16);
        LinearAttentionLayerChecks.forwardEqualsSteps(GatedLinearAttention.random(noGate, 1), 1, 40);
    }

    @Test
    void prefillThenStep() {
        LinearAttentionLayerChecks.prefillThenStep(small(), 2, 17, 29);
    }

    @Test
    void threadCountDeterminism() {
        LinearAttentionLayerChecks.threadCountDeterminism(small(), 2, 40);
    }

    @Test
    void badInputsLeaveCacheUntouched() {
        LinearAttentionLayerChecks.rejectedCallsLeaveCacheUntouched(small(), LinearAttention.random(LinearAttention.Config.defaults(48, 4), 1).newCache(2));
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        LinearAttentionLayerChecks.stepAllocatesNothing(GatedLinearAttentionTest.class, "allocationLayer");
    }

    static org.seqmix.layers.SequenceMixer allocationLayer() {
        return small();
    }

    @Test
    void simdForwardAllocatesOnlyItsTensors() throws Exception {
        // the logsigmoid gate once boxed a vector per row
        ForwardAllocation.assertSimdAllocatesOnlyTensors("gla");
    }

    @Test
    void configFromFlaNames() {
        Map<String, Object> m = new HashMap<>(Map.of("hidden_size", 64, "expand_k", 0.5, "num_heads", 4, "num_kv_heads", 2, "clamp_min", -0.1,
                "use_short_conv", false, "gate_fn", "swish", "fuse_norm", true));
        var c = GatedLinearAttention.Config.fromMap(m);
        assertEquals(8, c.headKDim());
        assertEquals(16, c.headVDim());
        assertEquals(2, c.groups());
        assertEquals(-0.1f, c.clampMin(), 1e-7);
        m.put("use_short_conv", true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GatedLinearAttention.Config.fromMap(m)).getMessage().contains("use_short_conv"));
        m.put("use_short_conv", false);
        m.put("gate_fn", "sigmoid");
        assertThrows(IllegalArgumentException.class, () -> GatedLinearAttention.Config.fromMap(m));
        m.put("gate_fn", "swish");
        m.put("mystery", 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GatedLinearAttention.Config.fromMap(m)).getMessage().contains("mystery"));
        m.remove("mystery");
        m.put("num_kv_heads", 3);
        assertThrows(IllegalArgumentException.class, () -> GatedLinearAttention.Config.fromMap(m));
    }

    @Test
    void weightsAreCheckedByName() {
        var c = GatedLinearAttention.Config.defaults(32, 2);
        var w = new Weights(Map.of("q_proj.weight", org.seqmix.core.Tensor.zeros(16, 32)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GatedLinearAttention.fromWeights(c, w)).getMessage().contains("k_proj.weight"));
    }
}
