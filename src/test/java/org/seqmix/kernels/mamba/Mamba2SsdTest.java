package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;

class Mamba2SsdTest {
    private static final double TOL = 2e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Random inputs of one problem. */
    record Inputs(Tensor x, Tensor dt, Tensor a, Tensor b, Tensor c, Tensor d, Tensor z, Tensor dtBias, Tensor init) {
        static Inputs random(long seed, int bs, int t, int h, int p, int g, int n, boolean dHdim, boolean gate) {
            Rng r = new Rng(seed);
            Tensor a = r.uniform(-2f, -0.05f, h);
            return new Inputs(r.normal(1f, bs, t, h, p), r.normal(1f, bs, t, h), a, r.normal(0.5f, bs, t, g, n), r.normal(0.5f, bs, t, g, n),
                    dHdim ? r.normal(1f, h, p) : r.normal(1f, h), gate ? r.normal(1f, bs, t, h, p) : null, r.normal(0.5f, h),
                    r.normal(0.5f, bs, h, p, n));
        }
    }

    /** The recurrence of CONFORMANCE.md in double precision, token by token. */
    static Tensor[] reference(Inputs in, boolean softplus) {
        int bs = in.x.dim(0), t = in.x.dim(1), h = in.x.dim(2), p = in.x.dim(3), g = in.b.dim(2), n = in.b.dim(3);
        double[] s = new double[bs * h * p * n];
        for (int i = 0; i < s.length; i++) s[i] = in.init.data()[i];
        Tensor y = Tensor.zeros(bs, t, h, p);
        for (int bi = 0; bi < bs; bi++) {
            for (int tt = 0; tt < t; tt++) {
                for (int hh = 0; hh < h; hh++) {
                    int gg = hh / (h / g);
                    double dt = in.dt.get(bi, tt, hh) + in.dtBias.get(hh);
                    if (softplus) dt = dt > 20 ? dt : Math.log1p(Math.exp(dt));
                    double da = Math.exp(dt * in.a.get(hh));
                    for (int q = 0; q < p; q++) {
                        double xv = in.x.get(bi, tt, hh, q), acc = 0;
                        for (int k = 0; k < n; k++) {
                            int idx = ((bi * h + hh) * p + q) * n + k;
                            s[idx] = da * s[idx] + dt * xv * in.b.get(bi, tt, gg, k);
                            acc += s[idx] * in.c.get(bi, tt, gg, k);
                        }
                        acc += (in.d.rank() == 2 ? in.d.get(hh, q) : in.d.get(hh)) * xv;
                        if (in.z != null) acc *= Activations.silu(in.z.get(bi, tt, hh, q));
                        y.set((float) acc, bi, tt, hh, q);
                    }
                }
            }
        }
        float[] f = new float[s.length];
        for (int i = 0; i < s.length; i++) f[i] = (float) s[i];
        return new Tensor[] {y, Tensor.of(f, bs, h, p, n)};
    }

    static Tensor[] recurrent(Inputs in, boolean softplus) {
        int bs = in.x.dim(0), t = in.x.dim(1), h = in.x.dim(2), p = in.x.dim(3);
        Tensor state = in.init.copy();
        Tensor y = Tensor.zeros(bs, t, h, p), yt = Tensor.zeros(bs, h, p);
        for (int tt = 0; tt < t; tt++) {
            SelectiveStateUpdate.update(state, in.x.select(1, tt), in.dt.select(1, tt), in.a, in.b.select(1, tt), in.c.select(1, tt), in.d,
                    in.z == null ? null : in.z.select(1, tt), in.dtBias, softplus, yt);
            yt.copyInto(y.select(1, tt));
        }
        return new Tensor[] {y, state};
    }

    static Mamba2Ssd.Result chunk(Inputs in, int chunk, boolean softplus) {
        return Mamba2Ssd.chunkScanCombined(in.x, in.dt, in.a, in.b, in.c, chunk, in.d, in.z, in.dtBias, softplus, in.init, true, null);
    }

    @Test
    void chunkAndRecurrentMatchTheReferenceOnRandomShapes() {
        int[][] shapes = { // B, T, H, P, G, N, chunk
                {2, 37, 4, 8, 2, 16, 8}, {1, 64, 6, 4, 3, 8, 16}, {1, 21, 20, 4, 2, 8, 8}, {3, 5, 2, 16, 1, 32, 64}, {1, 100, 4, 8, 4, 4, 7}, {2, 1, 2, 3, 1, 5, 4}};
        long seed = 1;
        for (int[] s : shapes) {
            for (boolean gate : new boolean[] {true, false}) {
                Inputs in = Inputs.random(seed++, s[0], s[1], s[2], s[3], s[4], s[5], gate, gate);
                boolean softplus = gate;
                Tensor[] ref = reference(in, softplus);
                Mamba2Ssd.Result ch = chunk(in, s[6], softplus);
                Tensor[] rec = recurrent(in, softplus);
                String what = java.util.Arrays.toString(s) + " gate=" + gate;
                assertTrue(Tensor.relativeL2Error(ch.y(), ref[0]) < TOL, "chunk y " + what + ": " + Tensor.relativeL2Error(ch.y(), ref[0]));
                assertTrue(Tensor.relativeL2Error(ch.finalState(), ref[1]) < TOL, "chunk state " + what);
                assertTrue(Tensor.relativeL2Error(rec[0], ref[0]) < TOL, "recurrent y " + what);
                assertTrue(Tensor.relativeL2Error(rec[1], ref[1]) < TOL, "recurrent state " + what);
            }
        }
    }

    @Test
    void chunkMatchesTheReferenceWhereTheProductsRunAsVectorTiles() {
        // 64-column strips in every product (C Bᵀ, C S₀ᵀ over 8 heads x P, the state update over N rows), a second
        // block of 2 heads, a last partial chunk; dt through softplus (raw random dt can grow the state past float range)
        Inputs in = Inputs.random(99, 1, 150, 10, 32, 1, 64, true, true);
        Tensor[] ref = reference(in, true);
        Mamba2Ssd.Result ch = chunk(in, 64, true);
        assertTrue(Tensor.relativeL2Error(ch.y(), ref[0]) < TOL, "y " + Tensor.relativeL2Error(ch.y(), ref[0]));
        assertTrue(Tensor.relativeL2Error(ch.finalState(), ref[1]) < TOL, "state " + Tensor.relativeL2Error(ch.finalState(), ref[1]));
    }

    @Test
    void chunkSizeDoesNotChangeTheResult() {
        Inputs in = Inputs.random(7, 1, 50, 2, 8, 1, 16, false, true);
        Mamba2Ssd.Result one = chunk(in, 1, true), big = chunk(in, 64, true), odd = chunk(in, 13, true);
        assertTrue(Tensor.relativeL2Error(one.y(), big.y()) < TOL);
        assertTrue(Tensor.relativeL2Error(odd.y(), big.y()) < TOL);
        assertTrue(Tensor.relativeL2Error(odd.finalState(), big.finalState()) < TOL);
    }

    @Test
    void varlenEqualsEachSequenceAlone() {
        int[] cu = {0, 9, 9, 40, 57};
        Rng r = new Rng(11);
        int t = 57, h = 4, p = 8, g = 2, n = 8;
        Inputs packed = Inputs.random(12, 1, t, h, p, g, n, false, true);
        Tensor init = r.normal(0.5f, cu.length - 1, h, p, n);
        Mamba2Ssd.Result all = Mamba2Ssd.chunkScanCombined(packed.x, packed.dt, packed.a, packed.b, packed.c, 8, packed.d, packed.z,
                packed.dtBias, true, init, true, cu);
        for (int s = 0; s < cu.length - 1; s++) {
            int t0 = cu[s], t1 = cu[s + 1];
            Tensor initS = init.slice(0, s, s + 1);
            Tensor stateS = all.finalState().slice(0, s, s + 1);
            if (t1 == t0) {
                assertEquals(0.0, Tensor.maxAbsError(stateS, initS), "empty sequence keeps its state");
                continue;
            }
            Mamba2Ssd.Result one = Mamba2Ssd.chunkScanCombined(packed.x.slice(1, t0, t1), packed.dt.slice(1, t0, t1), packed.a,
                    packed.b.slice(1, t0, t1), packed.c.slice(1, t0, t1), 8, packed.d, packed.z.slice(1, t0, t1), packed.dtBias, true, initS, true, null);
            assertArrayEquals(one.y().toArray(), all.y().slice(1, t0, t1).toArray(), 1e-6f, "sequence " + s);
            assertArrayEquals(one.finalState().toArray(), stateS.toArray(), 1e-6f, "state of sequence " + s);
        }
    }

    @Test
    void bitIdenticalForAnyThreadCount() {
        Inputs in = Inputs.random(21, 2, 70, 4, 8, 2, 16, true, true);
        Parallel.setThreads(1);
        Mamba2Ssd.Result one = chunk(in, 16, true);
        Parallel.setThreads(2);
        Mamba2Ssd.Result two = chunk(in, 16, true);
        assertArrayEquals(one.y().toArray(), two.y().toArray());
        assertArrayEquals(one.finalState().toArray(), two.finalState().toArray());
    }

    @Test
    void badInputsAreRejectedWithNamesAndLeaveTheStateUntouched() {
        Inputs in = Inputs.random(31, 1, 4, 4, 4, 2, 8, false, true);
        Tensor state = in.init.copy();
        Tensor before = state.copy();
        Tensor out = Tensor.zeros(1, 4, 4);
        Tensor x = in.x.select(1, 0), dt = in.dt.select(1, 0), b = in.b.select(1, 0), c = in.c.select(1, 0), z = in.z.select(1, 0);
        Tensor positiveA = Tensor.of(new float[] {-1f, 0.5f, -1f, -1f}, 4);
        Tensor nanD = Tensor.of(new float[] {1f, Float.NaN, 1f, 1f}, 4);
        assertMessage("A", () -> SelectiveStateUpdate.update(state, x, dt, positiveA, b, c, in.d, z, in.dtBias, true, out));
        assertMessage("D", () -> SelectiveStateUpdate.update(state, x, dt, in.a, b, c, nanD, z, in.dtBias, true, out));
        assertMessage("dt_bias", () -> SelectiveStateUpdate.update(state, x, dt, in.a, b, c, in.d, z, Tensor.zeros(3), true, out));
        assertMessage("A", () -> SelectiveStateUpdate.update(state, x, dt, Tensor.zeros(5), b, c, in.d, z, in.dtBias, true, out));
        assertMessage("state", () -> SelectiveStateUpdate.update(Tensor.zeros(1, 4, 4, 7), x, dt, in.a, b, c, in.d, z, in.dtBias, true, out));
        Tensor b3 = Tensor.zeros(1, 3, 8);
        assertMessage("H (heads)", () -> SelectiveStateUpdate.update(state, x, dt, in.a, b3, b3, in.d, z, in.dtBias, true, out));
        Tensor nanDt = dt.copy();
        nanDt.set(Float.NaN, 0, 2);
        assertMessage("dt", () -> SelectiveStateUpdate.update(state, x, nanDt, in.a, b, c, in.d, z, in.dtBias, true, out));
        assertArrayEquals(before.toArray(), state.toArray(), "a rejected step changed the state");

        assertMessage("A", () -> Mamba2Ssd.chunkScanCombined(in.x, in.dt, positiveA, in.b, in.c, 4, in.d, in.z, in.dtBias, true, in.init, true, null));
        assertMessage("initial_state", () -> Mamba2Ssd.chunkScanCombined(in.x, in.dt, in.a, in.b, in.c, 4, in.d, in.z, in.dtBias, true,
                Tensor.zeros(2, 4, 4, 8), true, null));
        assertMessage("chunk_size", () -> Mamba2Ssd.chunkScanCombined(in.x, in.dt, in.a, in.b, in.c, 0, in.d, in.z, in.dtBias, true, in.init, true, null));
        assertMessage("cu_seqlens", () -> Mamba2Ssd.chunkScanCombined(in.x, in.dt, in.a, in.b, in.c, 4, in.d, in.z, in.dtBias, true, null, true,
                new int[] {0, 3}));
        assertMessage("D", () -> Mamba2Ssd.chunkScanCombined(in.x, in.dt, in.a, in.b, in.c, 4, Tensor.zeros(4, 3), in.z, in.dtBias, true, null, true, null));
    }

    static void assertMessage(String name, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(name), "message should name " + name + ": " + e.getMessage());
    }
}
