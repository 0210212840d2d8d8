package org.seqmix.kernels.deltarule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Tensor;

/**
 * The in-place entries (caller's state updated in place, o written into the caller's tensor) against the allocating
 * recurrent forms: the same kernel, so bit for bit, for every kind, with and without cu_seqlens and the fused
 * l2norm; a prefill split into two in-place calls against one call; and rejected calls, which name the argument and
 * leave state and o as they were.
 */
class InPlaceDeltaRuleTest {
    private static DeltaRuleOutput allocating(DeltaRuleInputs in, int kind, int[] cu, boolean l2) {
        return switch (kind) {
            case 0 -> DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, cu, l2);
            case 1 -> DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, null, in.beta, null, in.h0, true, cu, l2);
            case 2 -> DeltaRule.recurrentKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, cu, l2);
            default -> DeltaRule.recurrentGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, cu, l2);
        };
    }

    /** Token range [t0, t1) of every input (B = 1), as contiguous tensors. */
    private static DeltaRuleInputs.Slice slice(DeltaRuleInputs in, int t0, int t1) {
        return new DeltaRuleInputs.Slice(in, t0, t1);
    }

    private static void inPlace(DeltaRuleInputs.Slice in, int kind, Tensor state, Tensor o, int[] cu, boolean l2) {
        switch (kind) {
            case 0 -> DeltaRule.recurrentGatedDeltaRuleInPlace(in.q, in.k, in.v, in.gHead, in.beta, null, state, o, cu, l2);
            case 1 -> DeltaRule.recurrentGatedDeltaRuleInPlace(in.q, in.k, in.v, null, in.beta, null, state, o, cu, l2);
            case 2 -> DeltaRule.recurrentKdaInPlace(in.q, in.k, in.v, in.gChannel, in.beta, null, state, o, cu, l2);
            default -> DeltaRule.recurrentGdn2InPlace(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, state, o, cu, l2);
        }
    }

    @Test
    void inPlaceIsBitIdenticalToTheAllocatingForm() {
        int[][] shapes = {{2, 70, 2, 4, 16, 37}, {1, 130, 1, 2, 128, 128}, {1, 9, 1, 1, 5, 64}}; // b, t, h, hv, kd, vd
        for (int[] s : shapes) {
            DeltaRuleInputs in = new DeltaRuleInputs(3 + s[1], s[0], s[1], s[2], s[3], s[4], s[5], s[0], -0.7f);
            for (int kind = 0; kind < 4; kind++) {
                for (boolean l2 : new boolean[] {false, true}) {
                    DeltaRuleOutput ref = allocating(in, kind, null, l2);
                    Tensor state = in.h0.copy(), o = Tensor.full(Float.NaN, s[0], s[1], s[3], s[5]); // every row must be written
                    inPlace(slice(in, 0, s[1]), kind, state, o, null, l2);
                    String what = "kind " + kind + " l2 " + l2 + " shape " + java.util.Arrays.toString(s);
                    assertArrayEquals(ref.o().data(), o.data(), what + ": o");
                    assertArrayEquals(ref.finalState().data(), state.data(), what + ": state");
                }
            }
        }
    }

    @Test
    void varlenInPlaceIsBitIdenticalToTheAllocatingForm() {
        int[] cu = {0, 3, 3, 70, 150, 151};
        DeltaRuleInputs in = new DeltaRuleInputs(5, 1, 151, 2, 4, 9, 37, 5, -0.3f);
        for (int kind = 0; kind < 4; kind++) {
            DeltaRuleOutput ref = allocating(in, kind, cu, true);
            Tensor state = in.h0.copy(), o = Tensor.full(Float.NaN, 1, 151, 4, 37);
            inPlace(slice(in, 0, 151), kind, state, o, cu, true);
            assertArrayEquals(ref.o().data(), o.data(), "kind " + kind + ": o");
            assertArrayEquals(ref.finalState().data(), state.data(), "kind " + kind + ": state");
        }
    }

    @Test
    void stateAndOutputMayBeViewsAtAnOffset() {
        int b = 2, t = 70, h = 2, hv = 4, kd = 16, vd = 80;
        DeltaRuleInputs in = new DeltaRuleInputs(21, b, t, h, hv, kd, vd, b, -0.5f);
        DeltaRuleOutput ref = allocating(in, 0, null, true);
        int ns = b * hv * kd * vd, no = b * t * hv * vd;
        float[] sa = new float[ns + 12], oa = new float[no + 10];
        java.util.Arrays.fill(sa, 3f);
        java.util.Arrays.fill(oa, 5f);
        System.arraycopy(in.h0.data(), 0, sa, 7, ns);
        Tensor state = Tensor.wrap(sa, 7, new int[] {b, hv, kd, vd}, new int[] {hv * kd * vd, kd * vd, vd, 1});
        Tensor o = Tensor.wrap(oa, 4, new int[] {b, t, hv, vd}, new int[] {t * hv * vd, hv * vd, vd, 1});
        inPlace(slice(in, 0, t), 0, state, o, null, true);
        assertArrayEquals(ref.finalState().data(), java.util.Arrays.copyOfRange(sa, 7, 7 + ns), "state");
        assertArrayEquals(ref.o().data(), java.util.Arrays.copyOfRange(oa, 4, 4 + no), "o");
        for (int i = 0; i < 7; i++) assertTrue(sa[i] == 3f, "state's neighbours untouched");
        for (int i = 7 + ns; i < sa.length; i++) assertTrue(sa[i] == 3f, "state's neighbours untouched");
        for (int i = 0; i < 4; i++) assertTrue(oa[i] == 5f, "o's neighbours untouched");
        for (int i = 4 + no; i < oa.length; i++) assertTrue(oa[i] == 5f, "o's neighbours untouched");
    }

    @Test
    void prefillInTwoCallsMatchesOneCall() {
        int t = 150, cut = 77;
        DeltaRuleInputs in = new DeltaRuleInputs(9, 1, t, 2, 4, 32, 64, 1, -0.6f);
        for (int kind = 0; kind < 4; kind++) {
            DeltaRuleOutput ref = allocating(in, kind, null, true);
            Tensor state = in.h0.copy(), o1 = Tensor.zeros(1, cut, 4, 64), o2 = Tensor.zeros(1, t - cut, 4, 64);
            inPlace(slice(in, 0, cut), kind, state, o1, null, true);
            inPlace(slice(in, cut, t), kind, state, o2, null, true);
            // other time-block boundaries, so other rounding: close, not equal
            DeltaRuleOutput split = new DeltaRuleOutput(concat(o1, o2), state);
            ChunkDeltaRuleTest.close(split, ref, 1e-5, "kind " + kind);
        }
    }

    private static Tensor concat(Tensor a, Tensor b) {
        int ta = a.dim(1), tb = b.dim(1), hv = a.dim(2), vd = a.dim(3);
        float[] out = new float[(ta + tb) * hv * vd];
        System.arraycopy(a.data(), 0, out, 0, ta * hv * vd);
        System.arraycopy(b.data(), 0, out, ta * hv * vd, tb * hv * vd);
        return Tensor.of(out, 1, ta + tb, hv, vd);
    }

    @Test
    void rejectedCallsNameTheArgumentAndModifyNothing() {
        DeltaRuleInputs in = new DeltaRuleInputs(4, 1, 20, 2, 4, 8, 16, 1, -0.5f);
        DeltaRuleInputs.Slice all = slice(in, 0, 20);
        Tensor state = in.h0.copy(), o = Tensor.full(7f, 1, 20, 4, 16);
        float[] s0 = state.data().clone(), o0 = o.data().clone();
        Tensor badBeta = in.beta.copy();
        badBeta.set(2.5f, 0, 3, 1);
        float[] shared = new float[512 + 1280]; // a state and an o in one array
        Tensor sharedState = Tensor.wrap(shared, 0, new int[] {1, 4, 8, 16}, new int[] {512, 128, 16, 1});
        Tensor sharedO = Tensor.wrap(shared, 512, new int[] {1, 20, 4, 16}, new int[] {1280, 64, 16, 1});
        Tensor nanState = state.copy();
        nanState.set(Float.NaN, 0, 2, 3, 4);
        Tensor[][] cases = { // state, o, beta
            {null, o, all.beta}, {Tensor.zeros(1, 4, 8, 15), o, all.beta}, {state, Tensor.zeros(1, 19, 4, 16), all.beta},
            {state, null, all.beta}, {state, o, badBeta}, {nanState, o, all.beta},
            {state.transpose(2, 3).contiguous().transpose(2, 3), o, all.beta}, {sharedState, sharedO, all.beta}};
        String[] names = {"state", "state", "o", "o", "beta", "state", "state", "o"};
        for (int i = 0; i < cases.length; i++) {
            Tensor st = cases[i][0], out = cases[i][1], beta = cases[i][2];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DeltaRule.recurrentGatedDeltaRuleInPlace(all.q, all.k, all.v, all.gHead, beta, null, st, out, null, true), "case " + i);
            assertTrue(e.getMessage().startsWith(names[i]), "case " + i + ": " + e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeltaRule.recurrentGatedDeltaRuleInPlace(all.q, all.k, all.v, all.gHead, all.beta, null, state,
                        Tensor.of(all.v.data(), 1, 20, 4, 16), null, true));
        assertTrue(e.getMessage().contains("o: must not share storage with v"), e.getMessage());
        assertArrayEquals(s0, state.data(), "state untouched");
        assertArrayEquals(o0, o.data(), "o untouched");
    }
}
