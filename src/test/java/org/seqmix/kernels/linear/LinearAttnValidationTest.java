package org.seqmix.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.seqmix.core.Tensor;

/** Bad input to the whole-sequence forms: IllegalArgumentException naming the argument and the shapes. */
class LinearAttnValidationTest {
    final Tensor q = Tensor.full(0.1f, 2, 10, 3, 4), k = Tensor.full(0.1f, 2, 10, 3, 4), v = Tensor.full(0.1f, 2, 10, 3, 5);
    final Tensor g = Tensor.full(-0.1f, 2, 10, 3), gk = Tensor.full(-0.1f, 2, 10, 3, 4);
    final Tensor h0 = Tensor.full(1f, 2, 3, 4, 5);

    static void rejects(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should mention '" + fragment + "'");
    }

    @Test
    void shapes() {
        rejects("q: expected rank 4", () -> LinearAttn.chunkLinearAttn(q.reshape(20, 3, 4), k, v, 1f, null, false, false, null, null, 64));
        rejects("k: expected shape [2, 10, 3, 4]", () -> LinearAttn.chunkGla(q, Tensor.zeros(2, 10, 3, 6), v, gk, 1f, null, false, null, 64));
        rejects("v: expected shape [2, 10, 3, *]", () -> LinearAttn.chunkSimpleGla(q, k, Tensor.zeros(2, 9, 3, 5), g, 1f, null, false, null, 64));
        rejects("g: expected shape [2, 10, 3]", () -> LinearAttn.chunkSimpleGla(q, k, v, gk, 1f, null, false, null, 64));
        rejects("g: expected shape [2, 10, 3, 4]", () -> LinearAttn.chunkGla(q, k, v, g, 1f, null, false, null, 64));
        rejects("initial_state: expected shape [2, 3, 4, 5]", () -> LinearAttn.chunkGla(q, k, v, gk, 1f, Tensor.zeros(2, 3, 5, 5), true, null, 64));
        rejects("initial_state: expected shape [2, 3, 4, 5]", () -> LinearAttn.fusedRecurrentSimpleGla(q, k, v, g, 1f, Tensor.zeros(2, 3, 4, 6), true, null));
        rejects("q: K: expected > 0", () -> LinearAttn.chunkLinearAttn(Tensor.zeros(2, 10, 3, 0), Tensor.zeros(2, 10, 3, 0), v, 1f, null, false,
                false, null, null, 64));
    }

    @Test
    void chunkSizeAndScale() {
        rejects("chunk_size: expected > 0, got 0", () -> LinearAttn.chunkGla(q, k, v, gk, 1f, null, false, null, 0));
        rejects("chunk_size: expected > 0, got -4", () -> LinearAttn.chunkLightningAttn(q, k, v, 1, 4, 1f, null, false, null, -4));
        rejects("scale", () -> LinearAttn.chunkSimpleGla(q, k, v, g, Float.POSITIVE_INFINITY, null, false, null, 64));
        rejects("layer_idx", () -> LinearAttn.chunkLightningAttn(q, k, v, 7, 4, 1f, null, false, null, 64));
    }

    @Test
    void gateValues() {
        Tensor nan = g.copy();
        nan.set(Float.NaN, 1, 3, 2);
        rejects("g: expected finite log decays <= 0", () -> LinearAttn.chunkSimpleGla(q, k, v, nan, 1f, null, false, null, 64));
        Tensor pos = gk.copy();
        pos.set(0.5f, 0, 0, 0, 1);
        rejects("got 0.5", () -> LinearAttn.fusedRecurrentGla(q, k, v, pos, 1f, null, false, null));
        Tensor inf = gk.copy();
        inf.set(Float.NEGATIVE_INFINITY, 0, 0, 0, 1);
        rejects("g: expected finite", () -> LinearAttn.chunkGla(q, k, v, inf, 1f, null, false, null, 64));
    }

    @Test
    void cuSeqlens() {
        Tensor q1 = Tensor.zeros(1, 10, 3, 4), k1 = Tensor.zeros(1, 10, 3, 4), v1 = Tensor.zeros(1, 10, 3, 5);
        rejects("cu_seqlens: expected cu_seqlens[0] = 0", () -> LinearAttn.chunkLinearAttn(q1, k1, v1, 1f, null, true, false, null, new int[] {1, 10}, 64));
        rejects("non-decreasing", () -> LinearAttn.chunkLinearAttn(q1, k1, v1, 1f, null, true, false, null, new int[] {0, 6, 4, 10}, 64));
        rejects("last value = T = 10", () -> LinearAttn.fusedRecurrentLinearAttn(q1, k1, v1, 1f, null, true, false, null, new int[] {0, 4, 9}));
        rejects("packed batch", () -> LinearAttn.chunkLinearAttn(q, k, v, 1f, null, true, false, null, new int[] {0, 4, 10}, 64));
        rejects("initial_state: expected shape [2, 3, 4, 5]", () -> LinearAttn.chunkLinearAttn(q1, k1, v1, 1f, Tensor.zeros(3, 3, 4, 5), true, false,
                null, new int[] {0, 4, 10}, 64));
    }

    @Test
    void rejectedCallLeavesInitialStateUntouched() {
        float[] before = h0.toArray();
        rejects("g:", () -> LinearAttn.chunkGla(q, k, v, Tensor.full(Float.NaN, 2, 10, 3, 4), 1f, h0, true, null, 64));
        LinearAttn.chunkGla(q, k, v, gk, 1f, h0, true, null, 4);
        assertArrayEquals(before, h0.toArray(), "the chunk form never writes its initial_state");
    }

    @Test
    void normalizeOnlyForLinearAttention() {
        rejects("initial_key_sum: only with normalize", () -> LinearAttn.chunkLinearAttn(q, k, v, 1f, null, true, false, Tensor.zeros(2, 3, 4), null, 64));
        rejects("initial_key_sum: expected shape [2, 3, 4]", () -> LinearAttn.chunkLinearAttn(q, k, v, 1f, null, true, true, Tensor.zeros(2, 3, 5), null, 64));
    }
}
