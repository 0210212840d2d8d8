package org.seqmix.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.ValueRange;

/**
 * The fused recurrent in-place entries (the caller's state, and with normalize its key sum, read and updated; o
 * written into the caller's tensor) against the allocating entries: one code path, so bit for bit, for every op,
 * with and without an initial state, with one and several column blocks, with cu_seqlens (an empty sequence
 * included); a prefill split into two calls; state, o and key sum as views at an offset; any thread count; and
 * rejected calls, which name the argument and leave state, o and key sum as they were.
 */
class LinearInPlaceTest {
    private static final List<String> OPS = ChunkGlaTest.OPS;   // linear_attn_normalize: linear_attn with normalize

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static boolean normalize(LinearAttnTestData d) {
        return d.op().equals("linear_attn_normalize");
    }

    /** The allocating fused recurrent entry from state h0 and (normalize) key sum z0; null means zeros. */
    private static GlaOutput allocating(LinearAttnTestData d, Tensor h0, Tensor z0, int[] cu) {
        return normalize(d) ? LinearAttn.fusedRecurrentLinearAttn(d.q(), d.k(), d.v(), d.scale(), h0, true, true, z0, cu)
                : d.recurrent(h0, cu);
    }

    private static void inPlace(LinearAttnTestData d, Tensor state, Tensor o, Tensor keySum, int[] cu) {
        int layer = LinearAttnTestData.LAYER_IDX, layers = LinearAttnTestData.NUM_LAYERS;
        switch (d.op()) {
            case "linear_attn" -> LinearAttn.fusedRecurrentLinearAttnInPlace(d.q(), d.k(), d.v(), d.scale(), state, o, false, keySum, cu);
            case "linear_attn_normalize" -> LinearAttn.fusedRecurrentLinearAttnInPlace(d.q(), d.k(), d.v(), d.scale(), state, o, true, keySum, cu);
            case "simple_gla" -> LinearAttn.fusedRecurrentSimpleGlaInPlace(d.q(), d.k(), d.v(), d.g(), d.scale(), state, o, cu);
            case "lightning_attn" -> LinearAttn.fusedRecurrentLightningAttnInPlace(d.q(), d.k(), d.v(), layer, layers, d.scale(), state, o, cu);
            default -> LinearAttn.fusedRecurrentGlaInPlace(d.q(), d.k(), d.v(), d.g(), d.scale(), state, o, cu);
        }
    }

    /** Positive key sums [N, H, K], as a normalized attention accumulates from positive features. */
    private static Tensor keySums(long seed, int n, int h, int k) {
        return new Rng(seed).uniform(0.5f, 2f, n, h, k);
    }

    /**
     * The in-place call on copies of h0 and z0 (zeros when null) and a NaN-filled o, against the allocating one;
     * returns the state it left.
     */
    private static Tensor assertSameAsAllocating(LinearAttnTestData d, Tensor h0, Tensor z0, int[] cu, String what) {
        int b = d.q().dim(0), t = d.q().dim(1), h = d.q().dim(2), k = d.q().dim(3), v = d.v().dim(3);
        int seqs = cu == null ? b : cu.length - 1;
        GlaOutput ref = allocating(d, h0, z0, cu);
        // a finite reference, else the NaN fill proves nothing
        assertTrue(ValueRange.within(ref.o().data(), 0, ref.o().numel(), -Float.MAX_VALUE, Float.MAX_VALUE), what + ": finite reference");
        Tensor state = h0 == null ? Tensor.zeros(seqs, h, k, v) : h0.copy();
        Tensor keySum = !normalize(d) ? null : z0 == null ? Tensor.zeros(seqs, h, k) : z0.copy();
        Tensor o = Tensor.full(Float.NaN, b, t, h, v);   // every element must be written
        inPlace(d, state, o, keySum, cu);
        assertArrayEquals(ref.o().data(), o.data(), what + ": o");
        assertArrayEquals(ref.finalState().data(), state.data(), what + ": state");
        if (keySum != null) assertArrayEquals(ref.keySum().data(), keySum.data(), what + ": key sum");
        return state;
    }

    @Test
    void inPlaceIsBitIdenticalToTheAllocatingForm() {
        // K x V in one column block (16 x 37), two (128 x 128: 64 + 64) and a ragged last one (128 x 80: 64 + 16);
        // normalize keeps V in one block
        int[][] shapes = {{2, 33, 3, 16, 37}, {2, 40, 2, 128, 128}, {1, 21, 2, 128, 80}};   // B, T, H, K, V
        long seed = 50;
        for (int[] s : shapes) {
            for (String op : OPS) {
                LinearAttnTestData d = LinearAttnTestData.random(op, seed++, s[0], s[1], s[2], s[3], s[4], -1f, 0f, true);
                String what = op + " " + Arrays.toString(s);
                assertSameAsAllocating(d, d.h0(), keySums(seed, s[0], s[2], s[3]), null, what + " from a state");
                assertSameAsAllocating(d, null, null, null, what + " from zeros");
            }
        }
    }

    @Test
    void varlenInPlaceIsBitIdenticalToTheAllocatingForm() {
        int[] cu = {0, 9, 9, 40, 57};
        for (int[] kv : new int[][] {{16, 37}, {128, 128}}) {
            for (String op : OPS) {
                LinearAttnTestData d = LinearAttnTestData.random(op, 60, 1, 57, 2, kv[0], kv[1], -1f, 0f, false);
                Tensor h0 = new Rng(61).normal(1f, 4, 2, kv[0], kv[1]);
                String what = op + " K=" + kv[0] + " V=" + kv[1];
                Tensor state = assertSameAsAllocating(d, h0, keySums(62, 4, 2, kv[0]), cu, what);
                assertArrayEquals(h0.select(0, 1).toArray(), state.select(0, 1).toArray(), what + ": the empty sequence keeps its state");
                assertSameAsAllocating(d, null, null, cu, what + " from zeros");
            }
        }
    }

    @Test
    void prefillInTwoCallsEqualsOneCall() {
        int t = 150, cut = 77, h = 2, k = 128, v = 128;
        for (String op : OPS) {
            LinearAttnTestData d = LinearAttnTestData.random(op, 70, 1, t, h, k, v, -0.5f, 0f, true);
            Tensor z0 = keySums(71, 1, h, k);
            GlaOutput ref = allocating(d, d.h0(), z0, null);
            Tensor state = d.h0().copy(), keySum = normalize(d) ? z0.copy() : null, o = Tensor.full(Float.NaN, 1, t, h, v);
            // each call writes its tokens' rows of one o (contiguous views, the second at an offset)
            inPlace(d.slice(0, 0, cut), state, o.slice(1, 0, cut), keySum, null);
            inPlace(d.slice(0, cut, t), state, o.slice(1, cut, t), keySum, null);
            // token by token either way, and the state round-trips through the caller's array exactly: bit for bit
            assertArrayEquals(ref.o().data(), o.data(), op + ": o");
            assertArrayEquals(ref.finalState().data(), state.data(), op + ": state");
            if (keySum != null) assertArrayEquals(ref.keySum().data(), keySum.data(), op + ": key sum");
        }
    }

    @Test
    void stateOAndKeySumMayBeViewsAtAnOffset() {
        int b = 2, t = 19, h = 3, k = 16, v = 37;
        for (String op : OPS) {
            LinearAttnTestData d = LinearAttnTestData.random(op, 80, b, t, h, k, v, -1f, 0f, true);
            Tensor z0 = keySums(81, b, h, k);
            GlaOutput ref = allocating(d, d.h0(), z0, null);
            // the middle of three: data before and after it must stay as it was
            Tensor os = Tensor.full(Float.NaN, 3, b, t, h, v), states = Tensor.full(-7f, 3, b, h, k, v), sums = Tensor.full(-7f, 3, b, h, k);
            Tensor o = os.select(0, 1), state = states.select(0, 1), keySum = normalize(d) ? sums.select(0, 1) : null;
            d.h0().copyInto(state);
            if (keySum != null) z0.copyInto(keySum);
            inPlace(d, state, o, keySum, null);
            assertArrayEquals(ref.o().toArray(), o.toArray(), op + ": o");
            assertArrayEquals(ref.finalState().toArray(), state.toArray(), op + ": state");
            if (keySum != null) assertArrayEquals(ref.keySum().toArray(), keySum.toArray(), op + ": key sum");
            for (int i : new int[] {0, 2}) {
                assertArrayEquals(Tensor.full(Float.NaN, b, t, h, v).data(), os.select(0, i).toArray(), op + ": o outside the view");
                assertArrayEquals(Tensor.full(-7f, b, h, k, v).data(), states.select(0, i).toArray(), op + ": state outside the view");
                assertArrayEquals(Tensor.full(-7f, b, h, k).data(), sums.select(0, i).toArray(), op + ": key sum outside the view");
            }
        }
    }

    @Test
    void bitIdenticalForAnyThreadCountAndScratchReuse() {
        for (String op : OPS) {
            LinearAttnTestData large = LinearAttnTestData.random(op, 90, 2, 30, 3, 128, 128, -1f, 0f, true);
            LinearAttnTestData small = LinearAttnTestData.random(op, 91, 1, 20, 2, 16, 37, -1f, 0f, false);
            Tensor z0 = keySums(92, 2, 3, 128);
            Tensor[] first = null;
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                // a large call first leaves its states in the per-thread scratch; the small call from zeros must not see them
                Tensor state = large.h0().copy(), o = Tensor.zeros(2, 30, 3, 128), keySum = normalize(large) ? z0.copy() : null;
                inPlace(large, state, o, keySum, null);
                Tensor s2 = Tensor.zeros(1, 2, 16, 37), o2 = Tensor.zeros(1, 20, 2, 37), z2 = normalize(small) ? Tensor.zeros(1, 2, 16) : null;
                inPlace(small, s2, o2, z2, null);
                Tensor[] got = {o, state, o2, s2};
                if (first == null) {
                    first = got;
                } else {
                    for (int i = 0; i < got.length; i++) assertArrayEquals(first[i].data(), got[i].data(), op + ": output " + i + ", 2 threads");
                }
            }
            GlaOutput fresh = allocating(small, null, null, null);
            assertArrayEquals(fresh.o().data(), first[2].data(), op + ": small o after a large call");
            assertArrayEquals(fresh.finalState().data(), first[3].data(), op + ": small state after a large call");
        }
    }

    private static void rejects(String prefix, Executable call, String what) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what);
        assertTrue(e.getMessage().startsWith(prefix), what + ": '" + e.getMessage() + "' should start with '" + prefix + "'");
    }

    /** A contiguous view of {@code data} of {@code shape} from {@code offset}. */
    private static Tensor over(float[] data, int offset, int... shape) {
        return Tensor.wrap(data, offset, shape, Tensor.zeros(shape).strides());
    }

    @Test
    void rejectedCallsNameTheArgumentAndModifyNothing() {
        int t = 20, h = 2, k = 8, v = 16;
        for (String op : OPS) {
            LinearAttnTestData d = LinearAttnTestData.random(op, 100, 1, t, h, k, v, -1f, 0f, true);
            Tensor state = d.h0().copy(), o = Tensor.full(7f, 1, t, h, v), keySum = normalize(d) ? keySums(101, 1, h, k) : null;
            float[] s0 = state.data().clone(), o0 = o.data().clone();
            Tensor nanState = state.copy();
            nanState.set(Float.NaN, 0, 1, 3, 4);
            float[] shared = new float[h * k * v + t * h * v];   // a state and an o in one array
            Tensor[][] cases = { // state, o
                {null, o}, {Tensor.zeros(1, h, k, v - 1), o}, {Tensor.zeros(2, h, k, v), o}, {state, null},
                {state, Tensor.zeros(1, t - 1, h, v)}, {nanState, o}, {state.transpose(2, 3).contiguous().transpose(2, 3), o},
                {state, o.transpose(1, 2).contiguous().transpose(1, 2)}, {over(shared, 0, 1, h, k, v), over(shared, h * k * v, 1, t, h, v)},
                {state, over(d.v().data(), 0, 1, t, h, v)}, {over(d.q().data(), 0, 1, h, k, v), o}};
            String[] expected = {"state: expected shape [1, 2, 8, 16]", "state: expected shape", "state: expected shape", "o: expected shape",
                "o: expected shape [1, 20, 2, 16]", "state", "state: expected a contiguous tensor", "o: expected a contiguous tensor",
                "o: must not share storage with state", "o: must not share storage with v", "state: must not share storage with q"};
            for (int i = 0; i < cases.length; i++) {
                Tensor st = cases[i][0], out = cases[i][1];
                rejects(expected[i], () -> inPlace(d, st, out, keySum, null), op + " case " + i);
            }
            if (d.g() != null) {
                Tensor badG = d.g().copy();
                badG.data()[5] = 0.5f;
                LinearAttnTestData bad = new LinearAttnTestData(op, d.q(), d.k(), d.v(), badG, d.h0(), d.scale());
                rejects("g: expected finite log decays <= 0", () -> inPlace(bad, state, o, null, null), op + " positive g");
                LinearAttnTestData none = new LinearAttnTestData(op, d.q(), d.k(), d.v(), null, d.h0(), d.scale());
                rejects("g: expected shape", () -> inPlace(none, state, o, null, null), op + " null g");
            }
            if (normalize(d)) {
                Tensor nanSum = keySum.copy();
                nanSum.set(Float.NaN, 0, 1, 2);
                Tensor[] sums = {null, Tensor.zeros(1, h, k + 1), nanSum, Tensor.zeros(1, k, h).transpose(1, 2),
                    over(state.data(), 0, 1, h, k), over(o.data(), 0, 1, h, k), over(d.k().data(), 0, 1, h, k)};
                String[] names = {"key_sum: expected shape [1, 2, 8]", "key_sum: expected shape", "key_sum",
                    "key_sum: expected a contiguous tensor", "key_sum: must not share storage with state", "o: must not share storage with key_sum",
                    "key_sum: must not share storage with k"};
                for (int i = 0; i < sums.length; i++) {
                    Tensor z = sums[i];
                    rejects(names[i], () -> inPlace(d, state, o, z, null), "key sum case " + i);
                }
                assertTrue(Float.isNaN(nanSum.get(0, 1, 2)), "the rejected NaN key sum untouched");
            }
            if (op.equals("linear_attn")) {
                rejects("key_sum: expected null without normalize", () -> inPlace(d, state, o, Tensor.zeros(1, h, k), null), "key sum without normalize");
            }
            assertArrayEquals(s0, state.data(), op + ": state untouched");
            assertArrayEquals(o0, o.data(), op + ": o untouched");
            if (keySum != null) assertArrayEquals(keySums(101, 1, h, k).data(), keySum.data(), op + ": key sum untouched");
            assertTrue(Float.isNaN(nanState.get(0, 1, 3, 4)) && nanState.get(0, 0, 0, 0) == s0[0], op + ": the rejected NaN state untouched");
        }
    }
}
