package org.seqmix.kernels.attention;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

class Bf16KVCacheTest {
    @Test
    void roundsToNearestEven() {
        assertEquals(1f, Bf16Ops.toFloat(Bf16Ops.fromFloat(1f)));
        assertEquals(-2.5f, Bf16Ops.toFloat(Bf16Ops.fromFloat(-2.5f)));
        assertEquals(1f, Bf16Ops.toFloat(Bf16Ops.fromFloat(1f + 0x1p-8f)), "tie to even (down)");
        assertEquals(1f + 0x1p-6f, Bf16Ops.toFloat(Bf16Ops.fromFloat(1f + 3 * 0x1p-8f)), "tie to even (up)");
        assertTrue(Float.isNaN(Bf16Ops.toFloat(Bf16Ops.fromFloat(Float.NaN))));
        Rng r = new Rng(1);
        for (int i = 0; i < 1000; i++) {
            float x = (float) (r.nextDouble() * 200 - 100);
            assertTrue(Math.abs(Bf16Ops.toFloat(Bf16Ops.fromFloat(x)) - x) <= Math.abs(x) * 0x1p-8f);
        }
    }

    @Test
    void bf16DecodeIsCloseToFloatAndHalvesTheCache() {
        Tensor[] x = Reference.qkv(3, 2, 90, 4, 2, 32);
        AttentionMask m = AttentionMask.sliding(40, 3);
        Tensor ref = Attention.flash(x[0], x[1], x[2], 0.2f, m);
        KVCache f32 = KVCache.sliding(2, 4, 2, 32, 40, 3), half = KVCache.slidingBf16(2, 4, 2, 32, 40, 3);
        double ef = Tensor.relativeL2Error(Reference.decode(f32, x[0], x[1], x[2], 0.2f), ref);
        double eh = Tensor.relativeL2Error(Reference.decode(half, x[0], x[1], x[2], 0.2f), ref);
        System.out.printf(java.util.Locale.ROOT, "decode rel_l2 vs flash: f32 %.2e, bf16 cache %.2e%n", ef, eh);
        assertTrue(ef < 2e-5, "f32 " + ef);
        assertTrue(eh < 1e-2, "bf16 " + eh);
        assertTrue(half.isBf16() && !f32.isBf16());
        long scratch = f32.scratchBytes();
        assertEquals(scratch, half.scratchBytes());
        assertEquals(f32.bytes() - scratch, 2 * (half.bytes() - scratch), "entries take half the bytes");
        KVCache grow = KVCache.growingBf16(2, 4, 2, 32, 90, AttentionMask.CAUSAL);
        double eg = Tensor.relativeL2Error(Reference.decode(grow, x[0], x[1], x[2], 0.2f),
                Attention.flash(x[0], x[1], x[2], 0.2f, AttentionMask.CAUSAL));
        assertTrue(eg < 1e-2, "bf16 growing " + eg);
    }

    @Test
    void truncateForgetsTheLastTokensOfAGrowingCache() {
        Tensor[] x = Reference.qkv(5, 1, 40, 4, 2, 32);
        for (KVCache c : new KVCache[] {KVCache.growing(1, 4, 2, 32, 64, AttentionMask.CAUSAL),
                KVCache.growingBf16(1, 4, 2, 32, 64, AttentionMask.CAUSAL)}) {
            c.append(x[1].slice(1, 0, 30), x[2].slice(1, 0, 30));
            Tensor q = x[0].select(1, 30).contiguous(), k = x[1].select(1, 30).contiguous(), v = x[2].select(1, 30).contiguous();
            Tensor o1 = Tensor.zeros(1, 4, 32), o2 = Tensor.zeros(1, 4, 32);
            Attention.decode(c, q, k, v, 0.2f, o1);
            assertEquals(31, c.length());
            c.truncate(30);
            assertEquals(30, c.length());
            // another token in its place: the step sees it and not the forgotten one
            Tensor k2 = x[1].select(1, 35).contiguous(), v2 = x[2].select(1, 35).contiguous();
            Attention.decode(c, q, k2, v2, 0.2f, o2);
            assertFalse(java.util.Arrays.equals(o1.toArray(), o2.toArray()));
            c.truncate(30);
            Tensor o3 = Tensor.zeros(1, 4, 32);
            Attention.decode(c, q, k, v, 0.2f, o3);
            assertArrayEquals(o1.toArray(), o3.toArray(), "the same step again gives the same bits");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.truncate(32));
            assertTrue(e.getMessage().startsWith("length: expected 0 <= length <= 31"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.truncate(-1));
            assertEquals(31, c.length(), "a rejected truncate changes nothing");
        }
        KVCache ring = KVCache.sliding(1, 4, 2, 32, 8, 2);
        ring.append(x[1].slice(1, 0, 12), x[2].slice(1, 0, 12));
        assertThrows(IllegalArgumentException.class, () -> ring.truncate(11));
        ring.truncate(12);
    }
}
