package org.seqmix.kernels.deltarule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Tensor;

/** Gate activations against their formulas; head repetition for grouped value heads; varlen for channel gates. */
class DeltaRuleGatesTest {
    static float sig(double x) { return (float) (1 / (1 + Math.exp(-x))); }
    static float softplus(double x) { return (float) Math.log1p(Math.exp(x)); }

    @Test
    void kdaGatesRepeatQkHeadsOverValueHeads() {
        // H = 1, HV = 2, K = 2, one row
        float[] f = {0.5f, -1f}, expA = {2f}, dt = {0.1f, 0.2f}, g = new float[4];
        DeltaRuleGates.kdaGate(f, 0, expA, dt, 0, 1, 2, 2, false, 0f, 1, g, 0);
        assertEquals(-2 * softplus(0.6), g[0], 1e-6);
        assertEquals(-2 * softplus(-0.8), g[1], 1e-6);
        assertEquals(g[0], g[2]);
        assertEquals(g[1], g[3]);
        DeltaRuleGates.kdaGate(f, 0, expA, dt, 0, 1, 2, 2, true, -5f, 1, g, 0);
        assertEquals(-5 * sig(2 * 0.6), g[0], 1e-6);
        assertEquals(-5 * sig(2 * -0.8), g[3], 1e-6);
    }

    @Test
    void gdnGateAndSigmoidHeads() {
        float[] a = {1f, -2f, 0.5f, 3f}, g = new float[4];
        DeltaRuleGates.gdnGate(a, 0, new float[] {-1f, -0.5f}, new float[] {0f, 1f}, 0, 2, 2, g, 0);
        assertArrayEquals(new float[] {-softplus(1), -0.5f * softplus(-1), -softplus(0.5), -0.5f * softplus(4)}, g, 1e-6f);
        float[] beta = new float[4];
        DeltaRuleGates.sigmoidHeads(new float[] {0f, 1f}, 0, 1, 2, 1, 2f, 2, beta, 0);
        assertArrayEquals(new float[] {1f, 1f, 2 * sig(1), 2 * sig(1)}, beta, 1e-6f);
    }

    @Test
    void channelGateVarlenEqualsSequencesOneByOne() {
        int[] cu = {0, 17, 40};
        DeltaRuleInputs in = new DeltaRuleInputs(12, 1, 40, 1, 2, 8, 8, 2, -2f);
        DeltaRuleOutput packed = DeltaRule.chunkGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, cu, true, 16);
        for (int s = 0; s < 2; s++) {
            int a = cu[s], e = cu[s + 1];
            DeltaRuleOutput one = DeltaRule.recurrentGdn2(in.q.slice(1, a, e), in.k.slice(1, a, e), in.v.slice(1, a, e),
                    in.gChannel.slice(1, a, e), in.bGate.slice(1, a, e), in.wGate.slice(1, a, e), null, in.h0.slice(0, s, s + 1), true, null, true);
            assertTrue(Tensor.relativeL2Error(packed.o().slice(1, a, e), one.o()) < 2e-5);
            assertTrue(Tensor.relativeL2Error(packed.finalState().slice(0, s, s + 1), one.finalState()) < 2e-5);
        }
    }
}
