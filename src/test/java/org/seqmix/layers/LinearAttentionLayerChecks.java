package org.seqmix.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

/** The checks every linear-attention layer passes (used by the per-layer test classes). */
final class LinearAttentionLayerChecks {
    private LinearAttentionLayerChecks() {}

    static Tensor input(SequenceMixer layer, int B, int T, long seed) {
        return new Rng(seed).normal(1f, B, T, layer.hiddenSize());
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double err = Tensor.relativeL2Error(actual, expected);
        assertTrue(err <= tol, what + ": rel_l2 " + err + " > " + tol);
    }

    /** forward == stepping; forward with and without a cache agree; the cache counts tokens. */
    static void forwardEqualsSteps(SequenceMixer layer, int B, int T) {
        Tensor x = input(layer, B, T, 1);
        MixerCache c = layer.newCache(B);
        Tensor yf = layer.forward(x, c);
        assertEquals(T, c.tokens());
        assertArrayEquals(yf.data(), layer.forward(x, null).data(), "forward without cache");
        MixerCache cs = layer.newCache(B);
        assertClose(yf, LayerSteps.steps(layer, x, cs), 1e-5, layer.name() + " step vs forward");
        assertEquals(T, cs.tokens());
    }

    /** forward over [0, T) then step over [T, T2) == forward over [0, T2); and forward, forward == one forward. */
    static void prefillThenStep(SequenceMixer layer, int B, int T, int T2) {
        Tensor x = input(layer, B, T2, 2);
        Tensor whole = layer.forward(x, null);
        MixerCache c = layer.newCache(B);
        Tensor head = layer.forward(x.slice(1, 0, T).copy(), c);
        Tensor tail = LayerSteps.steps(layer, x.slice(1, T, T2).copy(), c);
        assertClose(whole.slice(1, 0, T), head, 1e-5, layer.name() + " prefill");
        assertClose(whole.slice(1, T, T2), tail, 1e-5, layer.name() + " steps after prefill");
        MixerCache c2 = layer.newCache(B);
        layer.forward(x.slice(1, 0, T).copy(), c2);
        assertClose(whole.slice(1, T, T2), layer.forward(x.slice(1, T, T2).copy(), c2), 1e-5, layer.name() + " forward after forward");
        c2.reset();
        assertEquals(0, c2.tokens());
        assertClose(whole, layer.forward(x, c2), 0, layer.name() + " after reset");
    }

    static void threadCountDeterminism(SequenceMixer layer, int B, int T) {
        int before = Parallel.threads();
        Tensor x = input(layer, B, T, 3);
        try {
            Parallel.setThreads(1);
            Tensor a = layer.forward(x, null);
            Parallel.setThreads(2);
            Tensor b = layer.forward(x, null);
            assertArrayEquals(a.data(), b.data(), layer.name());
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** Bad x / y / cache: IllegalArgumentException and the cache is unchanged. */
    static void rejectedCallsLeaveCacheUntouched(SequenceMixer layer, MixerCache other) {
        int D = layer.hiddenSize();
        MixerCache c = layer.newCache(2);
        layer.forward(input(layer, 2, 5, 4), c);
        Tensor state = ((c instanceof GatedLinearAttentionCache g) ? g.state() : ((LinearAttentionCache) c).state()).copy();
        long tokens = c.tokens();
        Tensor nan = input(layer, 2, 3, 5);
        nan.set(Float.NaN, 1, 2, 0);
        assertThrows(IllegalArgumentException.class, () -> layer.forward(nan, c));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(2, 3, D + 1), c));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(3, 3, D), c));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(2, 0, D), c));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(2, 3, D), other));
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, D), c, Tensor.zeros(2, D + 1)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(3, D), c, Tensor.zeros(3, D)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.full(Float.POSITIVE_INFINITY, 2, D), c, Tensor.zeros(2, D)));
        assertThrows(IllegalArgumentException.class, () -> layer.step(Tensor.zeros(2, D), null, Tensor.zeros(2, D)));
        Tensor after = (c instanceof GatedLinearAttentionCache g) ? g.state() : ((LinearAttentionCache) c).state();
        assertArrayEquals(state.data(), after.toArray());
        assertEquals(tokens, c.tokens());
    }

    /** The layer made by {@code cls#factory()}, stepped to steady state in a fresh JVM, allocates nothing per step. */
    static void stepAllocatesNothing(Class<?> cls, String factory) throws Exception {
        double bytes = org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(cls, factory);
        assertTrue(bytes < 1, cls.getSimpleName() + "#" + factory + ": step allocates " + bytes + " bytes per step");
    }
}
