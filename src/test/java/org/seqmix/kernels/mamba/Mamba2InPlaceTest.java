package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.ValueRange;

/**
 * The in-place entries (caller's state read and updated, y written into the caller's tensor) against the allocating
 * forms: the same code path, so bit for bit, with and without each optional input, with cu_seqlens (an empty
 * sequence included) and with y and the state as views at an offset; a prefill split into two in-place calls against
 * one call; and rejected calls, which name the argument and leave state and y as they were.
 */
class Mamba2InPlaceTest {
    private static final String[] FORMS = {"chunk", "recurrent", "forward"};

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** The inputs with D, z, dt_bias and the initial state each kept or dropped (bits 0-3 of {@code keep}). */
    private static Mamba2SsdTest.Inputs drop(Mamba2SsdTest.Inputs in, int keep) {
        return new Mamba2SsdTest.Inputs(in.x(), in.dt(), in.a(), in.b(), in.c(), (keep & 1) != 0 ? in.d() : null,
                (keep & 2) != 0 ? in.z() : null, (keep & 4) != 0 ? in.dtBias() : null, (keep & 8) != 0 ? in.init() : null);
    }

    private static Mamba2Ssd.Result allocating(String form, Mamba2SsdTest.Inputs in, boolean sp, int chunk, int[] cu) {
        return switch (form) {
            case "chunk" -> Mamba2Ssd.chunkScanCombined(in.x(), in.dt(), in.a(), in.b(), in.c(), chunk, in.d(), in.z(), in.dtBias(), sp,
                    in.init(), true, cu);
            case "recurrent" -> Mamba2Ssd.recurrent(in.x(), in.dt(), in.a(), in.b(), in.c(), in.d(), in.z(), in.dtBias(), sp, in.init(), true, cu);
            default -> Mamba2Ssd.forward(in.x(), in.dt(), in.a(), in.b(), in.c(), chunk, in.d(), in.z(), in.dtBias(), sp, in.init(), true, cu);
        };
    }

    private static void inPlace(String form, Mamba2SsdTest.Inputs in, boolean sp, int chunk, Tensor state, Tensor y, int[] cu) {
        switch (form) {
            case "chunk" -> Mamba2Ssd.chunkScanCombinedInPlace(in.x(), in.dt(), in.a(), in.b(), in.c(), chunk, in.d(), in.z(), in.dtBias(), sp,
                    state, y, cu);
            case "recurrent" -> Mamba2Ssd.recurrentInPlace(in.x(), in.dt(), in.a(), in.b(), in.c(), in.d(), in.z(), in.dtBias(), sp, state, y, cu);
            default -> Mamba2Ssd.forwardInPlace(in.x(), in.dt(), in.a(), in.b(), in.c(), chunk, in.d(), in.z(), in.dtBias(), sp, state, y, cu);
        }
    }

    /** The in-place call on a copy of the initial state (zeros when there is none) and a NaN-filled y, against the allocating one. */
    private static void assertSameAsAllocating(String form, Mamba2SsdTest.Inputs in, boolean sp, int chunk, int[] cu, int seqs, String what) {
        int b = in.x().dim(0), t = in.x().dim(1), h = in.x().dim(2), p = in.x().dim(3), n = in.b().dim(3);
        Mamba2Ssd.Result ref = allocating(form, in, sp, chunk, cu);
        // a finite reference, else the NaN fill proves nothing
        assertTrue(ValueRange.within(ref.y().data(), 0, ref.y().numel(), -Float.MAX_VALUE, Float.MAX_VALUE), what + ": finite reference");
        Tensor state = in.init() == null ? Tensor.zeros(seqs, h, p, n) : in.init().copy();
        Tensor y = Tensor.full(Float.NaN, b, t, h, p);   // every element must be written
        inPlace(form, in, sp, chunk, state, y, cu);
        assertArrayEquals(ref.y().data(), y.data(), what + ": y");
        assertArrayEquals(ref.finalState().data(), state.data(), what + ": state");
    }

    @Test
    void inPlaceIsBitIdenticalToTheAllocatingForms() {
        int[][] shapes = { // B, T, H, P, G, N, chunk
                {2, 37, 4, 7, 2, 12, 16}, {1, 70, 4, 64, 1, 128, 64}, {1, 45, 6, 8, 3, 16, 8}, {2, 1, 2, 3, 1, 5, 4}};
        long seed = 100;
        for (int[] s : shapes) {
            Mamba2SsdTest.Inputs all = Mamba2SsdTest.Inputs.random(seed++, s[0], s[1], s[2], s[3], s[4], s[5], s[0] == 1, true);
            for (int keep = 0; keep < 16; keep++) {
                Mamba2SsdTest.Inputs in = drop(all, keep);
                boolean sp = keep != 5;   // one run without softplus (dt' may be negative: a short run stays finite)
                for (String form : FORMS) {
                    assertSameAsAllocating(form, in, sp, s[6], null, s[0], form + " " + java.util.Arrays.toString(s) + " keep " + keep);
                }
            }
        }
    }

    @Test
    void varlenInPlaceIsBitIdenticalToTheAllocatingForms() {
        int[] cu = {0, 9, 9, 40, 57};   // an empty sequence keeps its state
        for (int[] pn : new int[][] {{7, 12}, {64, 128}}) {
            Mamba2SsdTest.Inputs r = Mamba2SsdTest.Inputs.random(13, 1, 57, 4, pn[0], 2, pn[1], true, true);
            Tensor init = new Rng(14).normal(0.5f, cu.length - 1, 4, pn[0], pn[1]);
            Mamba2SsdTest.Inputs in = new Mamba2SsdTest.Inputs(r.x(), r.dt(), r.a(), r.b(), r.c(), r.d(), r.z(), r.dtBias(), init);
            for (String form : FORMS) {
                assertSameAsAllocating(form, in, true, 8, cu, cu.length - 1, form + " P=" + pn[0] + " N=" + pn[1]);
                assertSameAsAllocating(form, drop(in, 0), true, 8, cu, cu.length - 1, form + " no D/z/bias/init P=" + pn[0]);
            }
        }
    }

    @Test
    void yAndStateMayBeViewsAtAnOffset() {
        int b = 2, t = 33, h = 4, p = 7, n = 12;
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(21, b, t, h, p, 2, n, true, true);
        for (String form : FORMS) {
            Mamba2Ssd.Result ref = allocating(form, in, true, 16, null);
            // the middle of three: data before and after it must stay as it was
            Tensor ys = Tensor.full(Float.NaN, 3, b, t, h, p), states = Tensor.full(-7f, 3, b, h, p, n);
            Tensor y = ys.select(0, 1), state = states.select(0, 1);
            in.init().copyInto(state);
            inPlace(form, in, true, 16, state, y, null);
            assertArrayEquals(ref.y().toArray(), y.toArray(), form + ": y");
            assertArrayEquals(ref.finalState().toArray(), state.toArray(), form + ": state");
            for (int i : new int[] {0, 2}) {
                assertArrayEquals(Tensor.full(Float.NaN, b, t, h, p).data(), ys.select(0, i).toArray(), form + ": y outside the view");
                assertArrayEquals(Tensor.full(-7f, b, h, p, n).data(), states.select(0, i).toArray(), form + ": state outside the view");
            }
        }
    }

    @Test
    void bitIdenticalForAnyThreadCountAndScratchReuse() {
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(22, 2, 40, 4, 64, 2, 128, true, true);
        Mamba2SsdTest.Inputs small = Mamba2SsdTest.Inputs.random(23, 1, 20, 2, 7, 1, 12, false, true);
        for (String form : FORMS) {
            Tensor[] out = new Tensor[4];
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                // a large call first leaves its states in the per-thread scratch; the small call must not see them
                Tensor state = in.init().copy(), y = Tensor.zeros(2, 40, 4, 64);
                inPlace(form, in, true, 16, state, y, null);
                Tensor s2 = Tensor.zeros(1, 2, 7, 12), y2 = Tensor.zeros(1, 20, 2, 7);
                inPlace(form, small, true, 16, s2, y2, null);
                if (threads == 1) {
                    out[0] = y;
                    out[1] = s2;
                    out[2] = y2;
                    out[3] = state;
                } else {
                    assertArrayEquals(out[0].data(), y.data(), form + ": y");
                    assertArrayEquals(out[3].data(), state.data(), form + ": state");
                    assertArrayEquals(out[1].data(), s2.data(), form + ": small state");
                    assertArrayEquals(out[2].data(), y2.data(), form + ": small y");
                }
            }
            Mamba2Ssd.Result fresh = allocating(form, drop(small, 7), true, 16, null);
            assertArrayEquals(fresh.y().data(), out[2].data(), form + ": small y after a large call");
        }
    }

    @Test
    void prefillInTwoCallsMatchesOneCall() {
        int t = 150, cut = 77;
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(31, 1, t, 4, 64, 2, 128, true, true);
        for (String form : FORMS) {
            Mamba2Ssd.Result ref = allocating(form, in, true, 16, null);
            Tensor state = in.init().copy(), y1 = Tensor.zeros(1, cut, 4, 64), y2 = Tensor.zeros(1, t - cut, 4, 64);
            inPlace(form, slice(in, 0, cut), true, 16, state, y1, null);
            inPlace(form, slice(in, cut, t), true, 16, state, y2, null);
            // other chunk / token-block boundaries, so other rounding: close, not equal
            Tensor y = Tensor.zeros(1, t, 4, 64);
            y1.copyInto(y.slice(1, 0, cut));
            y2.copyInto(y.slice(1, cut, t));
            double ey = Tensor.relativeL2Error(y, ref.y()), es = Tensor.relativeL2Error(state, ref.finalState());
            assertTrue(ey <= 1e-5, form + ": y " + ey);
            assertTrue(es <= 1e-5, form + ": state " + es);
        }
    }

    /** Tokens [t0, t1) of every per-token input (B = 1), as contiguous tensors. */
    private static Mamba2SsdTest.Inputs slice(Mamba2SsdTest.Inputs in, int t0, int t1) {
        return new Mamba2SsdTest.Inputs(in.x().slice(1, t0, t1).contiguous(), in.dt().slice(1, t0, t1).contiguous(), in.a(),
                in.b().slice(1, t0, t1).contiguous(), in.c().slice(1, t0, t1).contiguous(), in.d(), in.z().slice(1, t0, t1).contiguous(),
                in.dtBias(), in.init());
    }

    @Test
    void rejectedCallsNameTheArgumentAndModifyNothing() {
        int t = 20, h = 4, p = 8, n = 16;
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(41, 1, t, h, p, 2, n, false, true);
        Tensor state = in.init().copy(), y = Tensor.full(7f, 1, t, h, p);
        float[] s0 = state.data().clone(), y0 = y.data().clone();
        Tensor nanState = state.copy();
        nanState.set(Float.NaN, 0, 2, 3, 4);
        float[] shared = new float[h * p * n + t * h * p];   // a state and a y in one array
        Tensor sharedState = Tensor.wrap(shared, 0, new int[] {1, h, p, n}, new int[] {h * p * n, p * n, n, 1});
        Tensor sharedY = Tensor.wrap(shared, h * p * n, new int[] {1, t, h, p}, new int[] {t * h * p, h * p, p, 1});
        Tensor overB = Tensor.wrap(in.b().data(), 0, new int[] {1, h, p, n}, new int[] {h * p * n, p * n, n, 1});
        Tensor positiveA = in.a().copy();
        positiveA.set(0.5f, 1);
        Tensor[][] cases = { // state, y, A
            {null, y, in.a()}, {Tensor.zeros(1, h, p, n - 1), y, in.a()}, {Tensor.zeros(2, h, p, n), y, in.a()},
            {state, null, in.a()}, {state, Tensor.zeros(1, t - 1, h, p), in.a()}, {state, y, positiveA}, {nanState, y, in.a()},
            {state.transpose(2, 3).contiguous().transpose(2, 3), y, in.a()}, {state, y.transpose(1, 2).contiguous().transpose(1, 2), in.a()},
            {sharedState, sharedY, in.a()}, {state, Tensor.of(in.x().data(), 1, t, h, p), in.a()},
            {overB, y, in.a()}};
        String[] expected = {"state: expected shape [1, 4, 8, 16]", "state: expected shape", "state: expected shape", "y: expected shape",
            "y: expected shape [1, 20, 4, 8]", "A", "state", "state: expected a contiguous tensor", "y: expected a contiguous tensor",
            "y: must not share storage with state", "y: must not share storage with x", "state: must not share storage with B"};
        for (String form : FORMS) {
            for (int i = 0; i < cases.length; i++) {
                Tensor st = cases[i][0], out = cases[i][1], a = cases[i][2];
                Mamba2SsdTest.Inputs bad = new Mamba2SsdTest.Inputs(in.x(), in.dt(), a, in.b(), in.c(), in.d(), in.z(), in.dtBias(), null);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> inPlace(form, bad, true, 8, st, out, null),
                        form + " case " + i);
                assertTrue(e.getMessage().startsWith(expected[i]), form + " case " + i + ": " + e.getMessage());
            }
        }
        assertArrayEquals(s0, state.data(), "state untouched");
        assertArrayEquals(y0, y.data(), "y untouched");
        assertTrue(Float.isNaN(nanState.get(0, 2, 3, 4)) && nanState.get(0, 0, 0, 0) == s0[0], "the rejected NaN state untouched");
    }
}
