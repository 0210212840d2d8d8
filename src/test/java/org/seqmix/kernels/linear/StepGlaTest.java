package org.seqmix.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Tensor;

/** The one-token step (decode path) against the whole-sequence recurrent form; in place, allocation-free. */
class StepGlaTest {

    /** Runs d through the step API one token at a time from h0; returns {o, state}. */
    static Tensor[] stepAll(LinearAttnTestData d, Tensor h0) {
        int B = d.q().dim(0), T = d.q().dim(1), H = d.q().dim(2), K = d.q().dim(3), V = d.v().dim(3);
        Tensor state = h0 == null ? Tensor.zeros(B, H, K, V) : h0.copy();
        Tensor z = Tensor.zeros(B, H, K);
        Tensor o = Tensor.zeros(B, T, H, V);
        Tensor qt = Tensor.zeros(B, H, K), kt = Tensor.zeros(B, H, K), vt = Tensor.zeros(B, H, V), ot = Tensor.zeros(B, H, V);
        Tensor gt = d.g() == null ? null : d.g().rank() == 3 ? Tensor.zeros(B, H) : Tensor.zeros(B, H, K);
        for (int t = 0; t < T; t++) {
            d.q().select(1, t).copyInto(qt);
            d.k().select(1, t).copyInto(kt);
            d.v().select(1, t).copyInto(vt);
            if (gt != null) d.g().select(1, t).copyInto(gt);
            step(d, qt, kt, vt, gt, state, z, ot);
            ot.copyInto(o.select(1, t));
        }
        return new Tensor[] {o, state};
    }

    static void step(LinearAttnTestData d, Tensor qt, Tensor kt, Tensor vt, Tensor gt, Tensor state, Tensor z, Tensor ot) {
        switch (d.op()) {
            case "linear_attn" -> LinearAttn.stepLinearAttn(qt, kt, vt, d.scale(), state, null, ot);
            case "linear_attn_normalize" -> LinearAttn.stepLinearAttn(qt, kt, vt, d.scale(), state, z, ot);
            case "simple_gla" -> LinearAttn.stepSimpleGla(qt, kt, vt, gt, d.scale(), state, ot);
            case "lightning_attn" -> LinearAttn.stepLightningAttn(qt, kt, vt, LinearAttnTestData.LAYER_IDX, LinearAttnTestData.NUM_LAYERS,
                    d.scale(), state, ot);
            default -> LinearAttn.stepGla(qt, kt, vt, gt, d.scale(), state, ot);
        }
    }

    @Test
    void stepEqualsRecurrentBitForBit() {
        for (String op : ChunkGlaTest.OPS) {
            LinearAttnTestData d = LinearAttnTestData.random(op, 4, 2, 23, 3, 8, 5, -1f, 0f, true);
            Tensor[] s = stepAll(d, d.h0());
            GlaOutput r = d.recurrent(d.h0(), null);
            assertArrayEquals(r.o().data(), s[0].data(), op);
            assertArrayEquals(r.finalState().data(), s[1].data(), op);
        }
    }

    @Test
    void prefillThenStepEqualsWholeSequence() {
        for (String op : ChunkGlaTest.OPS) {
            if (op.equals("linear_attn_normalize")) continue; // the key sum hand-off is covered by the layer tests
            LinearAttnTestData d = LinearAttnTestData.random(op, 6, 1, 40, 2, 8, 8, -1f, 0f, false);
            GlaOutput whole = d.chunk(null, null, 16);
            GlaOutput prefix = d.slice(0, 0, 25).chunk(null, null, 16);
            Tensor[] rest = stepAll(d.slice(0, 25, 40), prefix.finalState());
            ChunkGlaTest.assertClose(whole.o().slice(1, 25, 40), rest[0], 1e-5, op + " o");
            ChunkGlaTest.assertClose(whole.finalState(), rest[1], 1e-5, op + " state");
        }
    }

    static Runnable fourSteps() {
        LinearAttnTestData d = LinearAttnTestData.random("gla", 2, 2, 1, 4, 16, 16, -1f, 0f, false);
        Tensor q = d.q().reshape(2, 4, 16), k = d.k().reshape(2, 4, 16), v = d.v().reshape(2, 4, 16), g = d.g().reshape(2, 4, 16);
        Tensor gs = Tensor.full(-0.1f, 2, 4), state = Tensor.zeros(2, 4, 16, 16), z = Tensor.zeros(2, 4, 16), o = Tensor.zeros(2, 4, 16);
        Runnable calls = () -> {
            LinearAttn.stepGla(q, k, v, g, 0.25f, state, o);
            LinearAttn.stepSimpleGla(q, k, v, gs, 0.25f, state, o);
            LinearAttn.stepLightningAttn(q, k, v, 1, 4, 0.25f, state, o);
            LinearAttn.stepLinearAttn(q, k, v, 0.25f, state, z, o);
            state.fill(0f);
        };
        // and K = V = 128 as in the models: the kernels' 4-vector column tiles only run from 32 columns up
        LinearAttnTestData w = LinearAttnTestData.random("gla", 1, 1, 1, 2, 128, 128, -1f, 0f, false);
        Tensor qw = w.q().reshape(1, 2, 128), kw = w.k().reshape(1, 2, 128), vw = w.v().reshape(1, 2, 128), gw = w.g().reshape(1, 2, 128);
        Tensor sw = Tensor.zeros(1, 2, 128, 128), ow = Tensor.zeros(1, 2, 128);
        return () -> {
            calls.run();
            LinearAttn.stepGla(qw, kw, vw, gw, 0.1f, sw, ow);
            sw.fill(0f);
        };
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        double bytes = org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(StepGlaTest.class, "fourSteps");
        assertTrue(bytes < 1, "the four steps allocate " + bytes + " bytes per round");
    }

    @Test
    void rejectedStepLeavesStateUntouched() {
        Tensor q = Tensor.full(1f, 1, 2, 4), k = Tensor.full(1f, 1, 2, 4), v = Tensor.full(1f, 1, 2, 3), o = Tensor.zeros(1, 2, 3);
        Tensor state = Tensor.full(0.5f, 1, 2, 4, 3), z = Tensor.full(0.5f, 1, 2, 4);
        Tensor nanG = Tensor.full(Float.NaN, 1, 2, 4), posG = Tensor.full(0.5f, 1, 2), gBad = Tensor.full(-1f, 1, 2, 3);
        float[] s0 = state.toArray(), z0 = z.toArray();
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepGla(q, k, v, nanG, 1f, state, o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepSimpleGla(q, k, v, posG, 1f, state, o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepGla(q, k, v, gBad, 1f, state, o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepLinearAttn(q, k, v, 1f, Tensor.zeros(1, 2, 5, 3), null, o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepLinearAttn(q, k, v, 1f, state, Tensor.zeros(1, 2, 3), o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepLinearAttn(q, k, Tensor.zeros(1, 2, 4), 1f, state, z, o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepLinearAttn(q, k, v, Float.NaN, state, z, o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepLightningAttn(q, k, v, 5, 4, 1f, state, o));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepLinearAttn(q, k, v, 1f, state, z, Tensor.zeros(2, 2, 3)));
        Tensor strided = Tensor.zeros(1, 2, 3, 4).permute(0, 1, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.stepLinearAttn(q, k, v, 1f, strided, null, o));
        assertArrayEquals(s0, state.toArray());
        assertArrayEquals(z0, z.toArray());
    }
}
