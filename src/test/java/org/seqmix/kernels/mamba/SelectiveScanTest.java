package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.seqmix.kernels.mamba.Mamba2SsdTest.assertMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;

class SelectiveScanTest {
    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    record Inputs(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z, Tensor bias, Tensor init) {
        static Inputs random(long seed, int bs, int t, int d, int n) {
            Rng r = new Rng(seed);
            return new Inputs(r.normal(1f, bs, t, d), r.normal(1f, bs, t, d), r.uniform(-3f, -0.1f, d, n), r.normal(1f, bs, t, n),
                    r.normal(1f, bs, t, n), r.normal(1f, d), r.normal(1f, bs, t, d), r.normal(0.5f, d), r.normal(0.5f, bs, d, n));
        }
    }

    /** selective_scan_ref's recurrence in double precision. */
    static Tensor[] reference(Inputs in) {
        int bs = in.u.dim(0), t = in.u.dim(1), d = in.u.dim(2), n = in.a.dim(1);
        Tensor y = Tensor.zeros(bs, t, d), last = Tensor.zeros(bs, d, n);
        for (int bi = 0; bi < bs; bi++) {
            for (int ch = 0; ch < d; ch++) {
                double[] s = new double[n];
                for (int k = 0; k < n; k++) s[k] = in.init.get(bi, ch, k);
                for (int tt = 0; tt < t; tt++) {
                    double dl = in.delta.get(bi, tt, ch) + in.bias.get(ch);
                    dl = dl > 20 ? dl : Math.log1p(Math.exp(dl));
                    double uv = in.u.get(bi, tt, ch), acc = 0;
                    for (int k = 0; k < n; k++) {
                        s[k] = Math.exp(dl * in.a.get(ch, k)) * s[k] + dl * uv * in.b.get(bi, tt, k);
                        acc += s[k] * in.c.get(bi, tt, k);
                    }
                    acc = (acc + in.d.get(ch) * uv) * Activations.silu(in.z.get(bi, tt, ch));
                    y.set((float) acc, bi, tt, ch);
                }
                for (int k = 0; k < n; k++) last.set((float) s[k], bi, ch, k);
            }
        }
        return new Tensor[] {y, last};
    }

    static SelectiveScan.Result scan(Inputs in, Tensor init) {
        return SelectiveScan.scan(in.u, in.delta, in.a, in.b, in.c, in.d, in.z, in.bias, true, init, true);
    }

    @Test
    void scanAndStepMatchTheReference() {
        int[][] shapes = {{2, 33, 40, 16}, {1, 7, 5, 3}, {3, 1, 17, 8}};
        long seed = 1;
        for (int[] s : shapes) {
            Inputs in = Inputs.random(seed++, s[0], s[1], s[2], s[3]);
            Tensor[] ref = reference(in);
            SelectiveScan.Result r = scan(in, in.init);
            assertTrue(Tensor.relativeL2Error(r.y(), ref[0]) < 2e-5, "scan y");
            assertTrue(Tensor.relativeL2Error(r.lastState(), ref[1]) < 2e-5, "scan state");
            Tensor state = in.init.copy(), y = Tensor.zeros(s[0], s[1], s[2]), yt = Tensor.zeros(s[0], s[2]);
            for (int tt = 0; tt < s[1]; tt++) {
                SelectiveScan.step(state, in.u.select(1, tt), in.delta.select(1, tt), in.a, in.b.select(1, tt), in.c.select(1, tt), in.d,
                        in.z.select(1, tt), in.bias, true, yt);
                yt.copyInto(y.select(1, tt));
            }
            assertTrue(Tensor.relativeL2Error(y, ref[0]) < 2e-5, "step y");
            assertTrue(Tensor.relativeL2Error(state, ref[1]) < 2e-5, "step state");
        }
    }

    @Test
    void scanInTwoPartsEqualsOneScan() {
        Inputs in = Inputs.random(5, 2, 30, 24, 8);
        SelectiveScan.Result whole = scan(in, null);
        Inputs first = new Inputs(in.u.slice(1, 0, 12), in.delta.slice(1, 0, 12), in.a, in.b.slice(1, 0, 12), in.c.slice(1, 0, 12), in.d,
                in.z.slice(1, 0, 12), in.bias, null);
        Inputs second = new Inputs(in.u.slice(1, 12, 30), in.delta.slice(1, 12, 30), in.a, in.b.slice(1, 12, 30), in.c.slice(1, 12, 30), in.d,
                in.z.slice(1, 12, 30), in.bias, null);
        SelectiveScan.Result r1 = scan(first, null), r2 = scan(second, r1.lastState());
        assertArrayEquals(whole.y().slice(1, 12, 30).toArray(), r2.y().toArray(), 1e-6f);
        assertArrayEquals(whole.lastState().toArray(), r2.lastState().toArray(), 1e-6f);
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        Inputs in = Inputs.random(9, 2, 40, 70, 16);
        Parallel.setThreads(1);
        SelectiveScan.Result one = scan(in, in.init);
        Parallel.setThreads(2);
        SelectiveScan.Result two = scan(in, in.init);
        assertArrayEquals(one.y().toArray(), two.y().toArray());
        assertArrayEquals(one.lastState().toArray(), two.lastState().toArray());
    }

    @Test
    void badInputsAreRejectedAndLeaveTheStateUntouched() {
        Inputs in = Inputs.random(3, 1, 2, 4, 3);
        Tensor state = in.init.copy(), before = state.copy(), y = Tensor.zeros(1, 4);
        Tensor u = in.u.select(1, 0), dl = in.delta.select(1, 0), b = in.b.select(1, 0), c = in.c.select(1, 0), z = in.z.select(1, 0);
        Tensor posA = in.a.copy();
        posA.set(1f, 2, 1);
        assertMessage("A", () -> SelectiveScan.step(state, u, dl, posA, b, c, in.d, z, in.bias, true, y));
        for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}) {
            Tensor badA = in.a.copy();
            badA.set(bad, 3, 2);
            assertMessage("A", () -> SelectiveScan.step(state, u, dl, badA, b, c, in.d, z, in.bias, true, y));
        }
        Tensor infDelta = dl.copy();
        infDelta.set(Float.POSITIVE_INFINITY, 0, 3);
        assertMessage("delta", () -> SelectiveScan.step(state, u, infDelta, in.a, b, c, in.d, z, in.bias, true, y));
        Tensor nanD = Tensor.of(new float[] {0f, Float.NaN, 0f, 0f}, 4);
        assertMessage("D", () -> SelectiveScan.step(state, u, dl, in.a, b, c, nanD, z, in.bias, true, y));
        assertMessage("delta_bias", () -> SelectiveScan.step(state, u, dl, in.a, b, c, in.d, z, Tensor.zeros(5), true, y));
        assertMessage("state", () -> SelectiveScan.step(Tensor.zeros(1, 4, 4), u, dl, in.a, b, c, in.d, z, in.bias, true, y));
        assertMessage("B", () -> SelectiveScan.step(state, u, dl, in.a, Tensor.zeros(1, 2), c, in.d, z, in.bias, true, y));
        assertArrayEquals(before.toArray(), state.toArray());
        assertMessage("A", () -> SelectiveScan.scan(in.u, in.delta, Tensor.zeros(5, 3), in.b, in.c, in.d, in.z, in.bias, true, null, false));
        assertMessage("initial_state", () -> SelectiveScan.scan(in.u, in.delta, in.a, in.b, in.c, in.d, in.z, in.bias, true, Tensor.zeros(1, 4, 2), false));
    }
}
