package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** {@link ChunkMatmul#mulRows}: bit-identical to {@link ChunkMatmul#mul} with unit-stride rows, scalar and Panama. */
class ChunkMatmulRowsTest {
    static void check(ChunkMatmul mm, ChunkMatmul reference) {
        long seed = 100;
        for (int[] sh : ChunkMatmulTest.SHAPES) {
            for (boolean acc : new boolean[] {false, true}) {
                ChunkMatmulTest.Case t = ChunkMatmulTest.Case.of(sh[0], sh[1], sh[2], false, seed++);
                float[] want = t.run(reference, 0.7f, acc), got = t.c0().clone();
                mm.mulRows(t.m(), t.n(), t.k(), 0.7f, t.a(), ChunkMatmulTest.AO, t.ars(), t.b(), ChunkMatmulTest.BO, t.ldb(), got,
                        ChunkMatmulTest.CO, t.ldc(), acc);
                assertArrayEquals(want, got, mm.name() + " " + sh[0] + "x" + sh[1] + "x" + sh[2] + (acc ? " accumulate" : ""));
            }
        }
    }

    @Test
    void scalarMulRowsIsMul() {
        check(ChunkMatmul.scalar(), ChunkMatmul.scalar());
    }

    @Test
    void panamaMulRowsIsTheScalarProductBitForBit() {
        ChunkMatmul panama = ChunkMatmul.panama();
        assumeTrue(panama != null, "jdk.incubator.vector not present");
        check(panama, ChunkMatmul.scalar());
    }
}
