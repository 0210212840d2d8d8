package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** KimiDeltaAttention through the checks of {@link GatedDeltaNetTest}. */
class KimiDeltaAttentionTest {
    static KimiDeltaAttention small(Double lowerBound, boolean negEig) {
        return KimiDeltaAttention.random(new KimiDeltaAttention.Config(32, 8, 2, 4, 1.5, 4, true, false, negEig, lowerBound, 1e-5, 16), 43);
    }

    @Test
    void forwardEqualsSteps() {
        GatedDeltaNetTest.forwardEqualsSteps(small(null, false));
        GatedDeltaNetTest.forwardEqualsSteps(small(-5.0, true));
    }

    @Test
    void prefillThenDecodeEqualsForward() {
        GatedDeltaNetTest.prefillThenDecodeEqualsForward(small(null, false));
    }

    @Test
    void deterministicAcrossThreads() {
        GatedDeltaNetTest.deterministicAcrossThreads(small(null, false));
    }

    @Test
    void rejectedCallsLeaveCacheUntouched() {
        GatedDeltaNetTest.rejectedCallsLeaveCacheUntouched(small(null, false));
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        GatedDeltaNetTest.stepAllocatesNothing(KimiDeltaAttentionTest.class, "allocationLayer");
    }

    static KimiDeltaAttention allocationLayer() {
        return KimiDeltaAttention.random(new KimiDeltaAttention.Config(32, 8, 2, 4, 1.5, 4, false, false, false, null, 1e-5, 16), 43);
    }

    @Test
    void configRejectsUnknownKeysAndBadBounds() {
        assertThrows(IllegalArgumentException.class, () -> KimiDeltaAttention.Config.fromMap(Map.of("use_gate", true)));
        assertThrows(IllegalArgumentException.class, () -> KimiDeltaAttention.Config.fromMap(Map.of("lower_bound", 1.0)));
    }
}
