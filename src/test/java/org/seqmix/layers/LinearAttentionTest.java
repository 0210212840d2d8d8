package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinearAttentionTest {
    static LinearAttention layer(LinearAttention.FeatureMap f, boolean normalize, boolean rms) {
        var c = new LinearAttention.Config(48, 1.0, 0.5, 4, 2, f, rms, normalize, normalize, normalize, 1e-5f, 9);
        return LinearAttention.random(c, 7);
    }

    @Test
    void forwardEqualsSteps() {
        for (var f : LinearAttention.FeatureMap.values()) {
            LinearAttentionLayerChecks.forwardEqualsSteps(layer(f, false, true), 2, 25);
        }
        LinearAttentionLayerChecks.forwardEqualsSteps(layer(LinearAttention.FeatureMap.ELU, true, false), 2, 25);
    }

    @Test
    void prefillThenStepCarriesStateAndKeySum() {
        LinearAttentionLayerChecks.prefillThenStep(layer(LinearAttention.FeatureMap.ELU, false, true), 2, 11, 30);
        LinearAttentionLayerChecks.prefillThenStep(layer(LinearAttention.FeatureMap.ELU, true, true), 2, 11, 30);
    }

    @Test
    void threadCountDeterminism() {
        LinearAttentionLayerChecks.threadCountDeterminism(layer(LinearAttention.FeatureMap.RELU, true, true), 2, 40);
    }

    @Test
    void badInputsLeaveCacheUntouched() {
        LinearAttentionLayerChecks.rejectedCallsLeaveCacheUntouched(layer(LinearAttention.FeatureMap.ELU, true, true),
                GatedLinearAttentionTest.small().newCache(2));
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        LinearAttentionLayerChecks.stepAllocatesNothing(LinearAttentionTest.class, "allocationLayer");
    }

    static org.seqmix.layers.SequenceMixer allocationLayer() {
        return layer(LinearAttention.FeatureMap.ELU, true, true);
    }

    @Test
    void configFromFlaNames() {
        Map<String, Object> m = new HashMap<>(Map.of("hidden_size", 64, "num_heads", 4, "feature_map", "elu", "do_feature_map_norm", true));
        assertTrue(LinearAttention.Config.fromMap(m).doFeatureMapNorm());
        m.put("feature_map", "hedgehog");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LinearAttention.Config.fromMap(m)).getMessage().contains("hedgehog"));
        m.remove("feature_map"); // fla's default, elementwise_product, has learned weights
        assertThrows(IllegalArgumentException.class, () -> LinearAttention.Config.fromMap(m));
        m.put("feature_map", "relu");
        m.put("output_norm", "layernorm");
        assertThrows(IllegalArgumentException.class, () -> LinearAttention.Config.fromMap(m));
    }
}
