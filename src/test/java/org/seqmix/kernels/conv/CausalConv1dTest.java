package org.seqmix.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;
import org.seqmix.kernels.mamba.StepAllocationTest;

public class CausalConv1dTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Direct definition: y[t,d] = act(bias[d] + sum_i w[d,i] x[t-(W-1)+i, d]) with history from init. */
    public static Tensor reference(Tensor x, Tensor w, Tensor bias, boolean silu, Tensor init) {
        int b = x.dim(0), t = x.dim(1), d = x.dim(2), width = w.dim(1);
        Tensor y = Tensor.zeros(b, t, d);
        for (int bi = 0; bi < b; bi++) {
            for (int tt = 0; tt < t; tt++) {
                for (int c = 0; c < d; c++) {
                    double acc = bias == null ? 0 : bias.get(c);
                    for (int i = 0; i < width; i++) {
                        int src = tt - (width - 1) + i;
                        double v = src >= 0 ? x.get(bi, src, c) : init == null ? 0 : init.get(bi, c, src + width - 1);
                        acc += w.get(c, i) * v;
                    }
                    y.set(silu ? Activations.silu((float) acc) : (float) acc, bi, tt, c);
                }
            }
        }
        return y;
    }

    @Test
    void forwardAndStepMatchTheDefinition() {
        Rng r = new Rng(1);
        int[][] shapes = {{2, 20, 12, 4}, {1, 2, 5, 4}, {3, 9, 7, 1}, {1, 6, 3, 2}};
        for (int[] s : shapes) {
            int b = s[0], t = s[1], d = s[2], w = s[3];
            Tensor x = r.normal(1f, b, t, d), weight = r.normal(1f, d, w), bias = r.normal(1f, d), init = r.normal(1f, b, d, w - 1);
            for (boolean silu : new boolean[] {true, false}) {
                Tensor ref = reference(x, weight, bias, silu, init);
                Tensor fin = Tensor.zeros(b, d, w - 1);
                Tensor y = CausalConv1d.forward(x, weight, bias, silu, init, fin);
                assertTrue(Tensor.relativeL2Error(y, ref) < 1e-6, "forward " + java.util.Arrays.toString(s));
                Tensor state = init.copy(), ys = Tensor.zeros(b, t, d), xt = Tensor.zeros(b, d), yt = Tensor.zeros(b, d);
                for (int tt = 0; tt < t; tt++) {
                    x.select(1, tt).copyInto(xt);
                    CausalConv1d.step(xt, weight, silu ? bias : null, silu, state, yt);
                    yt.copyInto(ys.select(1, tt));
                }
                Tensor refNoBias = silu ? ref : reference(x, weight, null, false, init);
                assertTrue(Tensor.relativeL2Error(ys, refNoBias) < 1e-6, "step " + java.util.Arrays.toString(s));
                assertArrayEquals(fin.toArray(), state.toArray(), "final state of forward vs step " + java.util.Arrays.toString(s));
            }
        }
    }

    @Test
    void forwardInTwoPartsCarriesTheState() {
        Rng r = new Rng(2);
        Tensor x = r.normal(1f, 2, 15, 6), w = r.normal(1f, 6, 4), bias = r.normal(1f, 6);
        Tensor whole = CausalConv1d.forward(x, w, bias, true, null, null);
        Tensor st = Tensor.zeros(2, 6, 3);
        CausalConv1d.forward(x.slice(1, 0, 2), w, bias, true, null, st); // shorter than W-1: history partly zeros
        Tensor y2 = CausalConv1d.forward(x.slice(1, 2, 15), w, bias, true, st, st); // same tensor in and out
        assertArrayEquals(whole.slice(1, 2, 15).toArray(), y2.toArray(), 1e-6f);
    }

    @Test
    void varlenEqualsEachSequenceAlone() {
        Rng r = new Rng(3);
        int[] cu = {0, 5, 6, 6, 20};
        Tensor x = r.normal(1f, 1, 20, 8), w = r.normal(1f, 8, 4), bias = r.normal(1f, 8), init = r.normal(1f, 4, 8, 3);
        Tensor fin = Tensor.zeros(4, 8, 3);
        Tensor y = CausalConv1d.forward(x, w, bias, true, init, fin, cu);
        for (int s = 0; s < 4; s++) {
            Tensor finS = Tensor.zeros(1, 8, 3);
            Tensor yS = CausalConv1d.forward(x.slice(1, cu[s], cu[s + 1]), w, bias, true, init.slice(0, s, s + 1), finS);
            assertArrayEquals(yS.toArray(), y.slice(1, cu[s], cu[s + 1]).toArray(), "sequence " + s);
            assertArrayEquals(finS.toArray(), fin.slice(0, s, s + 1).toArray(), "state " + s);
        }
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        Rng r = new Rng(4);
        Tensor x = r.normal(1f, 4, 33, 40), w = r.normal(1f, 40, 4), bias = r.normal(1f, 40);
        Parallel.setThreads(1);
        Tensor one = CausalConv1d.forward(x, w, bias, true, null, null);
        Parallel.setThreads(2);
        Tensor two = CausalConv1d.forward(x, w, bias, true, null, null);
        assertArrayEquals(one.toArray(), two.toArray());
    }

    @Test
    void badInputsAreRejectedAndLeaveTheStateUntouched() {
        Rng r = new Rng(5);
        Tensor state = r.normal(1f, 2, 6, 3), before = state.copy();
        Tensor x = r.normal(1f, 2, 6), w = r.normal(1f, 6, 4), y = Tensor.zeros(2, 6);
        assertName("conv width W", () -> CausalConv1d.step(x, Tensor.zeros(6, 0), null, true, Tensor.zeros(2, 6, 0), y));
        assertName("state", () -> CausalConv1d.step(x, w, null, true, Tensor.zeros(2, 6, 2), y));
        assertName("weight", () -> CausalConv1d.step(x, Tensor.zeros(5, 4), null, true, state, y));
        assertName("bias", () -> CausalConv1d.step(x, w, Tensor.zeros(5), true, state, y));
        assertName("y", () -> CausalConv1d.step(x, w, null, true, state, Tensor.zeros(2, 5)));
        assertArrayEquals(before.toArray(), state.toArray());
        Tensor xs = r.normal(1f, 2, 5, 6);
        assertName("conv width W", () -> CausalConv1d.forward(xs, Tensor.zeros(6, 0), null, true, null, null));
        assertName("final_state", () -> CausalConv1d.forward(xs, w, null, true, null, Tensor.zeros(2, 6, 4)));
        assertName("cu_seqlens", () -> CausalConv1d.forward(xs, w, null, true, null, null, new int[] {0, 5}));
        Tensor packed = r.normal(1f, 1, 5, 6);
        assertName("cu_seqlens", () -> CausalConv1d.forward(packed, w, null, true, null, null, new int[] {0, 6}));
        assertName("initial_state", () -> CausalConv1d.forward(packed, w, null, true, Tensor.zeros(1, 6, 3), null, new int[] {0, 2, 5}));
    }

    static Runnable convStep() {
        Rng r = new Rng(6);
        Tensor state = Tensor.zeros(2, 16, 3), x = r.normal(1f, 2, 16), w = r.normal(1f, 16, 4), bias = r.normal(1f, 16), y = Tensor.zeros(2, 16);
        return () -> CausalConv1d.step(x, w, bias, true, state, y);
    }

    @Test
    void stepAllocatesNothing() throws Exception {
        double bytes = StepAllocationTest.bytesPerCall(CausalConv1dTest.class, "convStep");
        assertTrue(bytes < 1, "conv step allocates " + bytes + " bytes per call");
    }

    static void assertName(String name, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(name), "message should name " + name + ": " + e.getMessage());
    }
}
