package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LightningAttentionTest {
    static LightningAttention layer(boolean gate, boolean fuse) {
        var c = new LightningAttention.Config(48, 1.0, 1.0, 4, 2, 2, 8, gate, fuse, 1e-5f, 10);
        return LightningAttention.random(c, 3);
    }

    @Test
    void forwardEqualsSteps() {
        LinearAttentionLayerChecks.forwardEqualsSteps(layer(true, true), 2, 33);
        LinearAttentionLayerChecks.forwardEqualsSteps(layer(false, true), 1, 12);
    }

    @Test
    void prefillThenStep() {
        LinearAttentionLayerChecks.prefillThenStep(layer(true, false), 2, 20, 31);
    }

    @Test
    void threadCountDeterminism() {
        LinearAttentionLayerChecks.threadCountDeterminism(layer(true, true), 2, 40);
    }

    @Test
    void badInputsLeaveCacheUntouched() {
        LinearAttentionLayerChecks.rejectedCallsLeaveCacheUntouched(layer(true, true), GatedLinearAttentionTest.small().newCache(2));
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        LinearAttentionLayerChecks.stepAllocatesNothing(LightningAttentionTest.class, "allocationLayer");
    }

    static org.seqmix.layers.SequenceMixer allocationLayer() {
        return layer(true, true);
    }

    @Test
    void configFromNames() {
        Map<String, Object> m = new HashMap<>(Map.of("hidden_size", 64, "num_heads", 4, "layer_idx", 3, "num_layers", 12));
        assertEquals(3, LightningAttention.Config.fromMap(m).layerIdx());
        m.put("layer_idx", 13);
        assertThrows(IllegalArgumentException.class, () -> LightningAttention.Config.fromMap(m));
        m.remove("layer_idx");
        assertThrows(IllegalArgumentException.class, () -> LightningAttention.Config.fromMap(m));
    }
}
