package org.seqmix.kernels.deltarule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorizationProvider;

/** The allocation-free step: matches the recurrent form, no allocation, rejected calls change nothing. */
class DeltaRuleStepTest {
    /** One token of all the step entry points. */
    private static void stepAll(DeltaRuleStep st, Tensor[] t) {
        st.gatedDeltaRule(t[0], t[1], t[2], t[3], t[4], t[8], t[9]);
        st.kda(t[0], t[1], t[2], t[5], t[4], t[8], t[9]);
        st.gdn2(t[0], t[1], t[2], t[5], t[6], t[7], t[8], t[9]);
    }

    private static Tensor[] token(int b, int h, int hv, int kd, int vd) {
        Random r = new Random(3);
        return new Tensor[] {
            DeltaRuleInputs.normal(r, 1, b, h, kd), DeltaRuleInputs.normal(r, 1, b, h, kd), DeltaRuleInputs.normal(r, 1, b, hv, vd),
            DeltaRuleInputs.uniform(r, -1, 0, b, hv), DeltaRuleInputs.uniform(r, 0, 1, b, hv),
            DeltaRuleInputs.uniform(r, -1, 0, b, hv, kd), DeltaRuleInputs.uniform(r, 0, 1, b, hv, kd),
            DeltaRuleInputs.uniform(r, 0, 1, b, hv, vd), DeltaRuleInputs.normal(r, 1, b, hv, kd, vd), Tensor.zeros(b, hv, vd)};
    }

    static Runnable threeSteps() {
        Tensor[] t = token(2, 2, 4, 32, 32);
        DeltaRuleStep st = new DeltaRuleStep(2, 2, 4, 32, 32, null, true);
        // K = V = 128 as in the models: the one-token kernel's 8-vector strips and 4-vector write passes only run
        // from V = 8 vectors up (a boxed vector there went unnoticed at V = 32)
        Tensor[] w = token(1, 2, 2, 128, 128);
        DeltaRuleStep wide = new DeltaRuleStep(1, 2, 2, 128, 128, null, true);
        return () -> {
            stepAll(st, t);
            stepAll(wide, w);
        };
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        double bytes = org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(DeltaRuleStepTest.class, "threeSteps");
        assertTrue(bytes < 1, "the three steps allocate " + bytes + " bytes per round");
    }

    @Test
    void stepMatchesRecurrentForm() {
        DeltaRuleInputs in = new DeltaRuleInputs(9, 2, 12, 1, 2, 8, 8, 2, -0.5f);
        DeltaRuleOutput rec = DeltaRule.recurrentGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, null, true);
        DeltaRuleStep st = new DeltaRuleStep(2, 1, 2, 8, 8, null, true);
        Tensor state = in.h0.copy(), o = Tensor.zeros(2, 2, 8);
        for (int t = 0; t < 12; t++) {
            st.gdn2(in.q.select(1, t).contiguous(), in.k.select(1, t).contiguous(), in.v.select(1, t).contiguous(),
                    in.gChannel.select(1, t).contiguous(), in.bGate.select(1, t).contiguous(), in.wGate.select(1, t).contiguous(), state, o);
            assertTrue(Tensor.relativeL2Error(o, rec.o().select(1, t)) < 1e-6);
        }
        assertTrue(Tensor.relativeL2Error(state, rec.finalState()) < 1e-6);
    }

    @Test
    void rejectedStepLeavesStateAndOutputUntouched() {
        Tensor[] t = token(2, 2, 4, 8, 8);
        DeltaRuleStep st = new DeltaRuleStep(2, 2, 4, 8, 8, null, false);
        float[] s0 = t[8].toArray(), o0 = t[9].toArray();
        Tensor badBeta = t[4].copy();
        badBeta.set(2.5f, 1, 3);
        Tensor nanBeta = t[4].copy();
        nanBeta.set(Float.NaN, 0, 0);
        Tensor posG = t[3].copy();
        posG.set(0.1f, 1, 1);
        Tensor nanG = t[5].copy();
        nanG.set(Float.NaN, 1, 2, 3);
        var e1 = assertThrows(IllegalArgumentException.class, () -> st.gatedDeltaRule(t[0], t[1], t[2], t[3], badBeta, t[8], t[9]));
        assertTrue(e1.getMessage().contains("beta"), e1.getMessage());
        assertThrows(IllegalArgumentException.class, () -> st.gatedDeltaRule(t[0], t[1], t[2], t[3], nanBeta, t[8], t[9]));
        var e2 = assertThrows(IllegalArgumentException.class, () -> st.gatedDeltaRule(t[0], t[1], t[2], posG, t[4], t[8], t[9]));
        assertTrue(e2.getMessage().startsWith("g "), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> st.kda(t[0], t[1], t[2], nanG, t[4], t[8], t[9]));
        Tensor infG = t[3].copy();
        infG.set(Float.NEGATIVE_INFINITY, 0, 2);
        assertThrows(IllegalArgumentException.class, () -> st.gatedDeltaRule(t[0], t[1], t[2], infG, t[4], t[8], t[9]));
        var e3 = assertThrows(IllegalArgumentException.class, () -> st.kda(t[0], t[1], t[2], t[3], t[4], t[8], t[9]));
        assertTrue(e3.getMessage().contains("[2, 4, 8]") && e3.getMessage().contains("[2, 4]"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> st.gatedDeltaRule(t[0], t[1], t[2], t[3], t[4], Tensor.zeros(2, 4, 8, 9), t[9]));
        assertTrue(e4.getMessage().contains("state") && e4.getMessage().contains("[2, 4, 8, 9]"), e4.getMessage());
        assertArrayEquals(s0, t[8].toArray());
        assertArrayEquals(o0, t[9].toArray());
        assertThrows(IllegalArgumentException.class, () -> new DeltaRuleStep(1, 3, 4, 8, 8, null, false));
    }

    @Test
    void kernelEntryPointsRejectBadInputsWithoutTouchingThem() {
        DeltaRuleInputs in = new DeltaRuleInputs(11, 1, 20, 2, 4, 8, 8, 1, -0.5f);
        float[] h0 = in.h0.toArray(), q = in.q.toArray();
        var e = assertThrows(IllegalArgumentException.class,
                () -> DeltaRule.chunkGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, null, false, 0));
        assertTrue(e.getMessage().contains("chunk_size"));
        Tensor v3 = DeltaRuleInputs.normal(new Random(1), 1, 1, 20, 3, 8);
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> DeltaRule.chunkGatedDeltaRule(in.q, in.k, v3, null, DeltaRuleInputs.uniform(new Random(1), 0, 1, 1, 20, 3), null, null, true, null, false, 16));
        assertTrue(e2.getMessage().contains("HV") && e2.getMessage().contains("3"), e2.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DeltaRule.chunkGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, new int[] {0, 5, 19}, false, 16));
        assertThrows(IllegalArgumentException.class,
                () -> DeltaRule.chunkGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, new int[] {0, 12, 5, 20}, false, 16));
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, Tensor.zeros(2, 4, 8, 8), true, null, false));
        assertTrue(e3.getMessage().contains("initial_state") && e3.getMessage().contains("[2, 4, 8, 8]"), e3.getMessage());
        Tensor gBad = in.gChannel.copy();
        gBad.set(0.5f, 0, 3, 1, 2);
        assertThrows(IllegalArgumentException.class, () -> DeltaRule.chunkKda(in.q, in.k, in.v, gBad, in.beta, null, in.h0, true, null, true, 16));
        Tensor wBad = in.wGate.copy();
        wBad.set(-0.1f, 0, 0, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> DeltaRule.recurrentGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, wBad, null, in.h0, true, null, true));
        assertArrayEquals(h0, in.h0.toArray());
        assertArrayEquals(q, in.q.toArray());
        assertEquals(null, DeltaRule.chunkGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, false, null, false, 16).finalState());
    }
}
