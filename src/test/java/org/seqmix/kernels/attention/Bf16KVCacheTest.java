package org.seqmix.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
