package org.seqmix.kernels.deltarule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/** Chunk form == recurrent form on random shapes; varlen == one by one; thread-count determinism. */
class ChunkDeltaRuleTest {
    static void close(DeltaRuleOutput a, DeltaRuleOutput b, double tol, String what) {
        double eo = Tensor.relativeL2Error(a.o(), b.o()), es = Tensor.relativeL2Error(a.finalState(), b.finalState());
        assertTrue(eo <= tol && es <= tol, what + ": o err " + eo + ", state err " + es);
    }

    @Test
    void gatedChunkMatchesRecurrentForSeveralChunkSizes() {
        // T = 75 is no multiple of any chunk size; HV = 4 groups two value heads per q/k head
        DeltaRuleInputs in = new DeltaRuleInputs(1, 2, 75, 2, 4, 16, 24, 2, -0.5f);
        DeltaRuleOutput rec = DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, null, false);
        for (int c : new int[] {1, 7, 16, 64, 128}) {
            DeltaRuleOutput ch = DeltaRule.chunkGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, null, false, c);
            close(ch, rec, 2e-5, "chunk " + c);
        }
        DeltaRuleOutput plain = DeltaRule.chunkGatedDeltaRule(in.q, in.k, in.v, null, in.beta, 0.3f, null, true, null, true, 32);
        DeltaRuleOutput plainRec = DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, null, in.beta, 0.3f, null, true, null, true);
        close(plain, plainRec, 2e-5, "delta rule, l2norm");
    }

    @Test
    void kdaAndGdn2ChunkMatchRecurrent() {
        DeltaRuleInputs in = new DeltaRuleInputs(2, 1, 70, 1, 2, 16, 16, 1, -1f);
        for (int c : new int[] {16, 33, 64}) {
            close(DeltaRule.chunkKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, null, true, c),
                    DeltaRule.recurrentKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, null, true), 2e-5, "kda " + c);
            close(DeltaRule.chunkGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, null, false, c),
                    DeltaRule.recurrentGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, null, false), 2e-5, "gdn2 " + c);
        }
    }

    @Test
    void kdaLongSequenceWithStrongDecaysStaysFinite() {
        // g near -5 per step: within a 64-chunk the cumulative decay reaches -320; exp(+320) would overflow
        DeltaRuleInputs in = new DeltaRuleInputs(3, 1, 4096, 1, 1, 16, 16, 1, -5f);
        DeltaRuleOutput ch = DeltaRule.chunkKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, null, false, 64);
        DeltaRuleOutput rec = DeltaRule.recurrentKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, null, false);
        for (float x : ch.o().data()) assertTrue(Float.isFinite(x));
        close(ch, rec, 2e-5, "kda T=4096");
    }

    @Test
    void varlenEqualsSequencesOneByOne() {
        int[] cu = {0, 5, 5, 70, 101};
        DeltaRuleInputs in = new DeltaRuleInputs(4, 1, 101, 2, 2, 16, 16, 4, -0.3f);
        DeltaRuleOutput packed = DeltaRule.chunkGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, cu, true, 16);
        DeltaRuleOutput packedRec = DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, cu, true);
        close(packed, packedRec, 2e-5, "varlen chunk vs recurrent");
        for (int s = 0; s < 4; s++) {
            int a = cu[s], e = cu[s + 1];
            Tensor h0 = in.h0.slice(0, s, s + 1);
            Tensor fin = packed.finalState().slice(0, s, s + 1);
            if (a == e) {
                assertArrayEquals(h0.toArray(), fin.toArray(), 0f, "empty sequence keeps its state");
                continue;
            }
            DeltaRuleOutput one = DeltaRule.chunkGatedDeltaRule(in.q.slice(1, a, e), in.k.slice(1, a, e), in.v.slice(1, a, e),
                    in.gHead.slice(1, a, e), in.beta.slice(1, a, e), null, h0, true, null, true, 16);
            assertTrue(Tensor.relativeL2Error(packed.o().slice(1, a, e), one.o()) < 1e-6, "sequence " + s + " o");
            assertTrue(Tensor.relativeL2Error(fin, one.finalState()) < 1e-6, "sequence " + s + " state");
        }
    }

    @Test
    void bitIdenticalForOneAndTwoThreads() {
        DeltaRuleInputs in = new DeltaRuleInputs(5, 2, 40, 2, 4, 16, 16, 2, -0.5f);
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            DeltaRuleOutput c1 = DeltaRule.chunkKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, null, true, 16);
            DeltaRuleOutput r1 = DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, null, true);
            Parallel.setThreads(2);
            DeltaRuleOutput c2 = DeltaRule.chunkKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, null, true, 16);
            DeltaRuleOutput r2 = DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, null, true);
            assertArrayEquals(c1.o().data(), c2.o().data());
            assertArrayEquals(c1.finalState().data(), c2.finalState().data());
            assertArrayEquals(r1.o().data(), r2.o().data());
            assertArrayEquals(r1.finalState().data(), r2.finalState().data());
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
