package org.seqmix.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/** The chunk form's per-thread scratch is reused across items and calls: nothing may leak from one to the next. */
class ChunkScratchTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void aCallWithoutInitialStateAfterOneWithItStartsFromZero() {
        Parallel.setThreads(1);   // one thread: every item reuses the same scratch
        for (String op : ChunkGlaTest.OPS) {
            LinearAttnTestData d = LinearAttnTestData.random(op, 8, 2, 37, 2, 8, 8, -0.5f, 0f, true);
            GlaOutput fresh = d.chunk(null, null, 16);
            d.chunk(d.h0(), null, 16);                 // leaves a non-zero state in the scratch
            GlaOutput again = d.chunk(null, null, 16);
            assertArrayEquals(fresh.o().data(), again.o().data(), op);
            assertArrayEquals(fresh.finalState().data(), again.finalState().data(), op);
        }
    }

    @Test
    void manyShortPackedSequencesEqualEachAlone() {
        Parallel.setThreads(1);
        LinearAttnTestData d = LinearAttnTestData.random("simple_gla", 9, 1, 40, 2, 8, 8, -0.5f, 0f, false);
        int[] cu = {0, 3, 3, 9, 10, 25, 40};
        GlaOutput packed = d.chunk(null, cu, 4);
        for (int s = 0; s + 1 < cu.length; s++) {
            if (cu[s] == cu[s + 1]) continue;
            GlaOutput one = d.slice(0, cu[s], cu[s + 1]).chunk(null, null, 4);
            assertArrayEquals(one.o().data(), packed.o().slice(1, cu[s], cu[s + 1]).toArray(), 1e-6f, "sequence " + s);
            assertArrayEquals(one.finalState().data(), packed.finalState().slice(0, s, s + 1).toArray(), 1e-6f, "state " + s);
        }
        Tensor empty = packed.finalState().slice(0, 1, 2);
        assertArrayEquals(new float[empty.numel()], empty.toArray(), "an empty sequence ends with a zero state");
    }
}
