package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/**
 * The chunk form's unpacked products at chunk sizes that use its row blocks (several blocks of
 * {@link Mamba2Ssd#ROW_BLOCK}, a partial last block, a short last chunk), against the double-precision recurrence.
 */
class Mamba2SsdChunkTest {
    private static final double TOL = 2e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void rowBlockedChunksMatchTheReference() {
        int[][] shapes = { // B, T, H, P, G, N, chunk: P and N off the vector width, T not a multiple of the chunk,
                           // heads per group above the 8 of a block
                {1, 150, 2, 64, 1, 128, 64}, {1, 131, 3, 20, 1, 24, 37}, {2, 70, 10, 17, 2, 33, 48}, {1, 96, 20, 16, 2, 16, 32},
                {1, 65, 4, 80, 1, 40, 64}, {1, 23, 2, 5, 1, 7, 17}};
        long seed = 40;
        for (int[] s : shapes) {
            for (boolean gate : new boolean[] {true, false}) {
                Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(seed++, s[0], s[1], s[2], s[3], s[4], s[5], gate, gate);
                Tensor[] ref = Mamba2SsdTest.reference(in, true);
                Mamba2Ssd.Result ch = Mamba2SsdTest.chunk(in, s[6], true);
                String what = java.util.Arrays.toString(s) + " gate=" + gate;
                assertTrue(Tensor.relativeL2Error(ch.y(), ref[0]) < TOL, "y " + what + ": " + Tensor.relativeL2Error(ch.y(), ref[0]));
                assertTrue(Tensor.relativeL2Error(ch.finalState(), ref[1]) < TOL, "state " + what);
            }
        }
    }

    @Test
    void rowBlockedChunksAreBitIdenticalForAnyThreadCount() {
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(9, 1, 200, 20, 64, 2, 128, true, true);
        Parallel.setThreads(1);
        Mamba2Ssd.Result one = Mamba2SsdTest.chunk(in, 64, true);
        Parallel.setThreads(2);
        Mamba2Ssd.Result two = Mamba2SsdTest.chunk(in, 64, true);
        assertArrayEquals(one.y().data(), two.y().data());
        assertArrayEquals(one.finalState().data(), two.finalState().data());
    }

    @Test
    void chunkFlopsCountTheBlocksThatRun() {
        // one chunk of 64: row blocks of 16 on 16, 32, 48, 64 columns -> 16 · 160 = 2560 row-column pairs; C Bᵀ once per
        // block of 8 heads (2 blocks), the rest per head
        double tri = 16.0 * (16 + 32 + 48 + 64);
        assertEquals(2 * 2 * 128 * tri + 16 * (4.0 * 64 * 64 * 128 + 2 * 64 * tri), Mamba2Ssd.chunkFlops(64, 16, 64, 1, 128, 64));
        // a short last chunk of 5 tokens: one block of 5 rows on 5 columns
        assertEquals(Mamba2Ssd.chunkFlops(64, 16, 64, 1, 128, 64) + 2 * 2 * 128 * 25.0 + 16 * (4.0 * 5 * 64 * 128 + 2 * 64 * 25.0),
                Mamba2Ssd.chunkFlops(69, 16, 64, 1, 128, 64));
    }

    @Test
    void forwardRunsTheChunkFormForLongSequencesOfSmallHeads() {
        assertTrue(Mamba2Ssd.prefersChunk(8192, 64, 128, 64));
        assertTrue(!Mamba2Ssd.prefersChunk(8191, 64, 128, 64), "recurrent below 8192 tokens at N <= 128");
        assertTrue(!Mamba2Ssd.prefersChunk(1 << 16, 128, 128, 64), "P > 64 not measured: recurrent");
        assertTrue(Mamba2Ssd.prefersChunk(1024, 64, 256, 64), "N > 128 unchanged");
    }
}
