package org.seqmix.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

class BlockSparseTest {
    static final double TOL = 2e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static BlockMask randomMask(long seed, int b, int h, int nb, boolean keepDiagonal) {
        Rng r = new Rng(seed);
        BlockMask m = BlockMask.empty(b, h, nb, nb);
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
                for (int i = 0; i < nb; i++)
                    for (int j = 0; j < nb; j++) m.set(bi, hi, i, j, (keepDiagonal && i == j) || r.nextDouble() < 0.4);
        return m;
    }

    @Test
    void staticMaskMatchesTheDefinition() {
        int[][] shapes = {{1, 64, 2, 2, 8, 16}, {2, 70, 4, 2, 8, 16}, {1, 33, 2, 1, 4, 32}, {1, 5, 1, 1, 4, 8}};
        long seed = 1;
        for (int[] s : shapes) {
            Tensor[] x = Reference.qkv(seed++, s[0], s[1], s[2], s[3], s[4]);
            int bs = s[5], nb = (s[1] + bs - 1) / bs;
            for (boolean causal : new boolean[] {true, false}) {
                BlockMask m = randomMask(seed++, s[0], s[2], nb, false); // rows without blocks give zeros
                Tensor ref = Reference.attention(x[0], x[1], x[2], 0.3f,
                        (b, hq, i, j) -> m.get(b, hq, i / bs, j / bs) && (!causal || j <= i));
                Tensor got = BlockSparse.forward(x[0], x[1], x[2], m, bs, causal, 0.3f);
                assertTrue(Tensor.relativeL2Error(got, ref) < TOL, () -> java.util.Arrays.toString(s) + " causal=" + causal);
            }
        }
    }

    @Test
    void emptyMaskGivesZeros() {
        Tensor[] x = Reference.qkv(2, 1, 20, 2, 2, 4);
        Tensor o = BlockSparse.forward(x[0], x[1], x[2], BlockMask.empty(1, 2, 3, 3), 8, true, 1f);
        for (float f : o.toArray()) assertEquals(0f, f);
    }

    @Test
    void topKCoveringAllBlocksIsFullCausalAttention() {
        Tensor[] x = Reference.qkv(3, 2, 100, 4, 2, 8);
        Tensor full = Attention.flash(x[0], x[1], x[2], 0.3f, AttentionMask.CAUSAL);
        assertTrue(Tensor.relativeL2Error(BlockSparse.forwardTopK(x[0], x[1], x[2], 16, 7, 0.3f), full) < TOL);
        assertTrue(Tensor.relativeL2Error(BlockSparse.forwardTopK(x[0], x[1], x[2], 16, 100, 0.3f), full) < TOL);
        BlockKVCache c = new BlockKVCache(2, 4, 2, 8, 16, 100);
        assertTrue(Tensor.relativeL2Error(decodeTopK(c, 7, x), full) < TOL);
    }

    @Test
    void topKKeepsCurrentBlockPlusK() {
        Tensor[] x = Reference.qkv(4, 1, 80, 2, 1, 8);
        BlockMask m = BlockSelection.topK(x[0], x[1], 10, 2);
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 8; i++) {
                int n = 0;
                for (int j = 0; j < 8; j++) if (m.get(0, h, i, j)) n++;
                assertTrue(m.get(0, h, i, i));
                for (int j = i + 1; j < 8; j++) assertTrue(!m.get(0, h, i, j), "no future blocks");
                assertEquals(Math.min(2, i) + 1, n);
            }
        }
    }

    @Test
    void decodeWithStaticMaskMatchesForward() {
        Tensor[] x = Reference.qkv(5, 2, 75, 4, 2, 8);
        BlockMask m = randomMask(6, 2, 4, 5, true);
        Tensor ref = BlockSparse.forward(x[0], x[1], x[2], m, 16, true, 0.3f);
        BlockKVCache c = new BlockKVCache(2, 4, 2, 8, 16, 75);
        Tensor o = Tensor.zeros(2, 75, 4, 8);
        Tensor qt = Tensor.zeros(2, 4, 8), kt = Tensor.zeros(2, 2, 8), vt = Tensor.zeros(2, 2, 8), ot = Tensor.zeros(2, 4, 8);
        for (int i = 0; i < 75; i++) {
            x[0].select(1, i).copyInto(qt);
            x[1].select(1, i).copyInto(kt);
            x[2].select(1, i).copyInto(vt);
            BlockSparse.decode(c, m, qt, kt, vt, 0.3f, ot);
            ot.copyInto(o.select(1, i));
        }
        assertTrue(Tensor.relativeL2Error(o, ref) < TOL);
    }

    @Test
    void decodeTopKSelectsByTokenQueryAndRunningMeanKeys() {
        Tensor[] x = Reference.qkv(7, 1, 60, 2, 1, 8);
        int bs = 8, topK = 2;
        Tensor got = decodeTopK(new BlockKVCache(1, 2, 1, 8, bs, 60), topK, x);
        // reference: for token i, score earlier blocks by q_i · mean(k over the block), keep the best topK plus its own
        Tensor ref = Reference.attention(x[0], x[1], x[2], 0.3f, (b, hq, i, j) -> j <= i && chosen(x, hq, i, j / bs, bs, topK));
        assertTrue(Tensor.relativeL2Error(got, ref) < TOL);
    }

    private static boolean chosen(Tensor[] x, int hq, int i, int blk, int bs, int topK) {
        int cur = i / bs;
        if (blk == cur) return true;
        double mine = blockScore(x, hq, i, blk, bs);
        int better = 0;
        for (int j = 0; j < cur; j++) {
            double s = blockScore(x, hq, i, j, bs);
            if (s > mine || (s == mine && j < blk)) better++;
        }
        return better < topK;
    }

    private static double blockScore(Tensor[] x, int hq, int i, int blk, int bs) {
        double s = 0;
        for (int t = blk * bs; t < (blk + 1) * bs; t++)
            for (int d = 0; d < x[0].dim(3); d++) s += (double) x[0].get(0, i, hq, d) * x[1].get(0, t, 0, d);
        return s / bs;
    }

    static Tensor decodeTopK(BlockKVCache c, int topK, Tensor[] x) {
        int b = x[0].dim(0), t = x[0].dim(1), hq = x[0].dim(2), h = x[1].dim(2), d = x[0].dim(3);
        Tensor o = Tensor.zeros(b, t, hq, d);
        Tensor qt = Tensor.zeros(b, hq, d), kt = Tensor.zeros(b, h, d), vt = Tensor.zeros(b, h, d), ot = Tensor.zeros(b, hq, d);
        for (int i = 0; i < t; i++) {
            x[0].select(1, i).copyInto(qt);
            x[1].select(1, i).copyInto(kt);
            x[2].select(1, i).copyInto(vt);
            BlockSparse.decodeTopK(c, topK, qt, kt, vt, 0.3f, ot);
            ot.copyInto(o.select(1, i));
        }
        return o;
    }

    @Test
    void recallIsHighOnStructuredInputsAndReportedOnRandom() {
        int t = 256, bs = 32, d = 32, nb = t / bs;
        Tensor[] rnd = Reference.qkv(8, 1, t, 2, 2, d);
        float scale = Attention.defaultScale(d);
        double recallRandom = BlockSelection.recall(rnd[0], rnd[1], scale, BlockSelection.topK(rnd[0], rnd[1], bs, 2), bs);
        // structured: each key block has its own direction; query block i looks for the direction of block i/2
        Rng r = new Rng(9);
        Tensor q = r.normal(0.1f, 1, t, 2, d), k = r.normal(0.1f, 1, t, 2, d);
        for (int i = 0; i < t; i++) {
            for (int h = 0; h < 2; h++) {
                k.set(k.get(0, i, h, i / bs) + 6f, 0, i, h, i / bs);
                int target = (i / bs) / 2;
                q.set(q.get(0, i, h, target) + 6f, 0, i, h, target);
            }
        }
        double recallStructured = BlockSelection.recall(q, k, scale, BlockSelection.topK(q, k, bs, 2), bs);
        double recallFull = BlockSelection.recall(q, k, scale, BlockSelection.topK(q, k, bs, nb), bs);
        System.out.printf(Locale.ROOT, "block top-k recall (T=%d, block=%d, k=2 of %d blocks): random %.4f, structured %.4f, k=all %.4f%n",
                t, bs, nb, recallRandom, recallStructured, recallFull);
        assertEquals(1.0, recallFull, 1e-5);
        assertTrue(recallStructured > 0.95, "structured recall " + recallStructured);
        assertTrue(recallRandom > 0 && recallRandom < 1, "random recall " + recallRandom);
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        Tensor[] x = Reference.qkv(10, 2, 90, 4, 2, 8);
        Parallel.setThreads(1);
        float[] a = BlockSparse.forwardTopK(x[0], x[1], x[2], 16, 2, 0.3f).toArray();
        float[] b = decodeTopK(new BlockKVCache(2, 4, 2, 8, 16, 90), 2, x).toArray();
        Parallel.setThreads(2);
        assertArrayEquals(a, BlockSparse.forwardTopK(x[0], x[1], x[2], 16, 2, 0.3f).toArray());
        assertArrayEquals(b, decodeTopK(new BlockKVCache(2, 4, 2, 8, 16, 90), 2, x).toArray());
    }

    @Test
    void rejectsBadInputsAndLeavesTheCacheUnchanged() {
        Tensor[] x = Reference.qkv(11, 1, 40, 2, 2, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> BlockSparse.forward(x[0], x[1], x[2], BlockMask.empty(1, 2, 3, 3), 0, true, 1f));
        assertTrue(e.getMessage().startsWith("block_size:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BlockSparse.forward(x[0], x[1], x[2], BlockMask.empty(1, 2, 4, 3), 16, true, 1f));
        assertTrue(e.getMessage().startsWith("block_mask:") && e.getMessage().contains("[1, 2, 3, 3]") && e.getMessage().contains("[1, 2, 4, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BlockSparse.forwardTopK(x[0], x[1], x[2], 16, -1, 1f));
        assertTrue(e.getMessage().startsWith("top_k:"), e.getMessage());
        BlockKVCache c = new BlockKVCache(1, 2, 2, 8, 16, 2);
        Tensor q = Tensor.zeros(1, 2, 8), k = Tensor.full(1f, 1, 2, 8), v = Tensor.zeros(1, 2, 8), o = Tensor.zeros(1, 2, 8);
        BlockMask m = BlockMask.empty(1, 2, 1, 1);
        BlockSparse.decode(c, m, q, k, v, 1f, o);
        BlockSparse.decode(c, m, q, k, v, 1f, o);
        float[] k0 = c.kv.k.clone();
        e = assertThrows(IllegalArgumentException.class, () -> BlockSparse.decode(c, m, q, k, v, 1f, o));
        assertTrue(e.getMessage().startsWith("cache:"), e.getMessage());
        BlockKVCache c2 = new BlockKVCache(1, 2, 2, 8, 4, 20);
        for (int i = 0; i < 4; i++) BlockSparse.decode(c2, m, q, k, v, 1f, o);
        e = assertThrows(IllegalArgumentException.class, () -> BlockSparse.decode(c2, m, q, k, v, 1f, o)); // token 4 is in block 1
        assertTrue(e.getMessage().startsWith("block_mask:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BlockSparse.decodeTopK(c2, -1, q, k, v, 1f, o));
        assertTrue(e.getMessage().startsWith("top_k:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BlockSparse.decodeTopK(c2, 1, Tensor.zeros(1, 3, 8), k, v, 1f, o));
        assertEquals(2, c.length());
        assertEquals(4, c2.length());
        assertArrayEquals(k0, c.kv.k);
    }
}
