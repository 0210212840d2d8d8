package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** GatedDeltaNet2 through the checks of {@link GatedDeltaNetTest}. */
class GatedDeltaNet2Test {
    static GatedDeltaNet2 small(boolean negEig) {
        return GatedDeltaNet2.random(new GatedDeltaNet2.Config(32, 8, 2, 4, 1.5, 4, true, false, negEig, 1e-5, 16), 44);
    }

    @Test
    void forwardEqualsSteps() {
        GatedDeltaNetTest.forwardEqualsSteps(small(false));
        GatedDeltaNetTest.forwardEqualsSteps(small(true));
    }

    @Test
    void prefillThenDecodeEqualsForward() {
        GatedDeltaNetTest.prefillThenDecodeEqualsForward(small(false));
    }

    @Test
    void deterministicAcrossThreads() {
        GatedDeltaNetTest.deterministicAcrossThreads(small(false));
    }

    @Test
    void rejectedCallsLeaveCacheUntouched() {
        GatedDeltaNetTest.rejectedCallsLeaveCacheUntouched(small(false));
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        GatedDeltaNetTest.stepAllocatesNothing(GatedDeltaNet2Test.class, "allocationLayer");
    }

    static GatedDeltaNet2 allocationLayer() {
        return GatedDeltaNet2.random(new GatedDeltaNet2.Config(32, 8, 2, 4, 1.5, 4, false, false, false, 1e-5, 16), 44);
    }

    @Test
    void safeGateIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> GatedDeltaNet2.Config.fromMap(Map.of("safe_gate", true)));
    }
}
