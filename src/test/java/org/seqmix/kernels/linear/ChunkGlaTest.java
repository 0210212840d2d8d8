package org.seqmix.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/** Chunkwise form against the recurrent form and a double-precision naive recurrence. */
class ChunkGlaTest {
    static final List<String> OPS = List.of("linear_attn", "linear_attn_normalize", "simple_gla", "lightning_attn", "gla");

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double err = Tensor.relativeL2Error(actual, expected);
        assertTrue(err <= tol, what + ": rel_l2 " + err + " > " + tol);
    }

    @Test
    void chunkEqualsRecurrentAndNaiveForSeveralChunkSizes() {
        for (String op : OPS) {
            LinearAttnTestData d = LinearAttnTestData.random(op, 11, 2, 45, 2, 8, 12, -1f, 0f, true);
            Tensor[] ref = d.naive();
            GlaOutput rec = d.recurrent(d.h0(), null);
            assertClose(ref[0], rec.o(), 1e-5, op + " recurrent o");
            assertClose(ref[1], rec.finalState(), 1e-5, op + " recurrent state");
            for (int c : new int[] {1, 5, 16, 20, 64}) {
                GlaOutput ch = d.chunk(d.h0(), null, c);
                assertClose(ref[0], ch.o(), 1e-5, op + " chunk " + c + " o");
                assertClose(ref[1], ch.finalState(), 1e-5, op + " chunk " + c + " state");
            }
        }
    }

    @Test
    void longChunksExerciseTheKeyGateSubBlocks() {
        // C = 64 with T = 150: sub-blocks referenced at rows 16, 32, 48 and a partial last chunk
        LinearAttnTestData d = LinearAttnTestData.random("gla", 3, 1, 150, 2, 16, 8, -2f, 0f, false);
        Tensor[] ref = d.naive();
        GlaOutput ch = d.chunk(null, null, 64);
        assertClose(ref[0], ch.o(), 1e-5, "gla o");
        assertClose(ref[1], ch.finalState(), 1e-5, "gla state");
    }

    @Test
    void keyGateDiagonalBlocksFactoredOrPairwiseByDecaySpan() {
        // weak gates: every diagonal sub-block as a product; strong (span > MAX_SPAN): pairwise; in between: mixed.
        // Odd K and V exercise the column tails of the chunk products
        for (float[] range : new float[][] {{-0.2f, 0f}, {-4f, -2.5f}, {-3f, 0f}}) {
            LinearAttnTestData d = LinearAttnTestData.random("gla", 5, 1, 150, 2, 19, 21, range[0], range[1], true);
            Tensor[] ref = d.naive();
            GlaOutput ch = d.chunk(d.h0(), null, 64);
            assertClose(ref[0], ch.o(), 1e-5, "gla g in [" + range[0] + ", " + range[1] + "] o");
            assertClose(ref[1], ch.finalState(), 1e-5, "gla g in [" + range[0] + ", " + range[1] + "] state");
        }
    }

    @Test
    void keyGateFactorReuseAndItsFallbacks() {
        // chunk decays above e^-80 reuse the sub-block factors for the inter queries and the state keys; with
        // chunk 32 and g in [-2.4, -1.6] (span > MAX_SPAN per sub-block, b_last ~ -64) they are reused while the
        // diagonal sub-blocks go pairwise and the state keys are taken directly
        float[][] cases = {{-1.2f, 0f, 64}, {-2.4f, -1.6f, 32}, {-0.05f, 0f, 64}};
        for (float[] cs : cases) {
            LinearAttnTestData d = LinearAttnTestData.random("gla", 8, 1, 150, 2, 19, 21, cs[0], cs[1], true);
            Tensor[] ref = d.naive();
            GlaOutput ch = d.chunk(d.h0(), null, (int) cs[2]);
            String what = "gla g in [" + cs[0] + ", " + cs[1] + "] chunk " + (int) cs[2];
            assertClose(ref[0], ch.o(), 1e-5, what + " o");
            assertClose(ref[1], ch.finalState(), 1e-5, what + " state");
        }
    }

    @Test
    void noFinalStateUnlessAsked() {
        LinearAttnTestData d = LinearAttnTestData.random("gla", 1, 1, 10, 1, 4, 4, -1f, 0f, false);
        assertNull(LinearAttn.chunkGla(d.q(), d.k(), d.v(), d.g(), d.scale(), null, false, null, 4).finalState());
        assertNull(LinearAttn.fusedRecurrentGla(d.q(), d.k(), d.v(), d.g(), d.scale(), null, false, null).finalState());
    }

    @Test
    void varlenEqualsEachSequenceAlone() {
        int[] cu = {0, 13, 13, 40, 77};
        for (String op : OPS) {
            LinearAttnTestData d = LinearAttnTestData.random(op, 5, 1, 77, 2, 8, 6, -1f, 0f, false);
            Tensor h0 = new org.seqmix.core.Rng(9).normal(1f, cu.length - 1, 2, 8, 6);
            GlaOutput packedChunk = d.chunk(h0, cu, 16);
            GlaOutput packedRec = d.recurrent(h0, cu);
            for (int n = 0; n + 1 < cu.length; n++) {
                if (cu[n + 1] == cu[n]) {
                    assertClose(h0.slice(0, n, n + 1), packedChunk.finalState().slice(0, n, n + 1), 0, op + " empty sequence keeps its state");
                    continue;
                }
                LinearAttnTestData one = d.slice(0, cu[n], cu[n + 1]);
                Tensor init = h0.slice(0, n, n + 1).copy();
                GlaOutput alone = one.chunk(init, null, 16);
                Tensor got = packedChunk.o().slice(1, cu[n], cu[n + 1]);
                assertClose(alone.o(), got, 1e-6, op + " seq " + n + " o");
                assertClose(alone.finalState(), packedChunk.finalState().slice(0, n, n + 1), 1e-6, op + " seq " + n + " state");
                assertClose(alone.o(), packedRec.o().slice(1, cu[n], cu[n + 1]), 1e-5, op + " seq " + n + " recurrent o");
            }
        }
    }

    @Test
    void longSequencesWithStrongAndWeakDecayStayFinite() {
        for (String op : List.of("simple_gla", "gla")) {
            for (float[] range : new float[][] {{-5.5f, -4.5f}, {-1e-3f, 0f}}) {
                LinearAttnTestData d = LinearAttnTestData.random(op, 21, 1, 16384, 1, 8, 8, range[0], range[1], false);
                GlaOutput ch = d.chunk(null, null, 64), rec = d.recurrent(null, null);
                for (float x : ch.o().data()) assertTrue(Float.isFinite(x), op + " non-finite output");
                assertClose(rec.o(), ch.o(), 1e-4, op + " g~" + range[0] + " o");
                assertClose(rec.finalState(), ch.finalState(), 1e-4, op + " g~" + range[0] + " state");
            }
        }
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        int before = Parallel.threads();
        try {
            for (String op : OPS) {
                LinearAttnTestData d = LinearAttnTestData.random(op, 8, 2, 70, 3, 8, 8, -1f, 0f, true);
                Parallel.setThreads(1);
                GlaOutput a = d.chunk(d.h0(), null, 16), ar = d.recurrent(d.h0(), null);
                Parallel.setThreads(2);
                GlaOutput b = d.chunk(d.h0(), null, 16), br = d.recurrent(d.h0(), null);
                assertArrayEquals(a.o().data(), b.o().data(), op);
                assertArrayEquals(a.finalState().data(), b.finalState().data(), op);
                assertArrayEquals(ar.o().data(), br.o().data(), op);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void lightningDecayFollowsLayerDepth() {
        float[] g = LinearAttn.lightningDecay(4, 3, 12);
        assertEquals(0f, g[0], 0f);
        assertEquals(-(8.0 / 4 * (1 - 3.0 / 12)) * 3, g[3], 1e-6);
    }
}
