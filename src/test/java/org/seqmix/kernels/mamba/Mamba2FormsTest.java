package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.conformance.ConformanceCase;
import org.seqmix.core.Parallel;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

/** The whole-sequence fused recurrent form of Mamba-2 and the forward entry that picks a form. */
class Mamba2FormsTest {
    private static final double TOL = 2e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static Mamba2Ssd.Result recurrent(Mamba2SsdTest.Inputs in, boolean softplus, int[] cu, Tensor init) {
        return Mamba2Ssd.recurrent(in.x(), in.dt(), in.a(), in.b(), in.c(), in.d(), in.z(), in.dtBias(), softplus, init, true, cu);
    }

    @Test
    void recurrentMatchesTheReferenceOnRandomShapes() {
        int[][] shapes = { // B, T, H, P, G, N: P and N hit vector tiles and tails for 8 and 16 lanes
                {2, 37, 4, 8, 2, 16}, {1, 21, 20, 4, 2, 8}, {3, 5, 2, 16, 1, 32}, {1, 30, 4, 70, 4, 5}, {2, 1, 2, 3, 1, 5}, {1, 9, 2, 64, 1, 128},
                {2, 11, 2, 80, 1, 128}};   // the last: P x N > 32 KiB, column blocks of 64 and 16
        long seed = 40;
        for (int[] s : shapes) {
            for (boolean gate : new boolean[] {true, false}) {
                Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(seed++, s[0], s[1], s[2], s[3], s[4], s[5], gate, gate);
                Tensor[] ref = Mamba2SsdTest.reference(in, gate);
                Mamba2Ssd.Result r = recurrent(in, gate, null, in.init());
                String what = java.util.Arrays.toString(s) + " gate=" + gate;
                assertTrue(Tensor.relativeL2Error(r.y(), ref[0]) < TOL, "y " + what + ": " + Tensor.relativeL2Error(r.y(), ref[0]));
                assertTrue(Tensor.relativeL2Error(r.finalState(), ref[1]) < TOL, "state " + what);
                // the step API (caller's [P, N] state) and the transposed whole-sequence form agree
                Tensor[] step = Mamba2SsdTest.recurrent(in, gate);
                assertTrue(Tensor.relativeL2Error(r.y(), step[0]) < TOL, "recurrent vs step " + what);
            }
        }
    }

    /** Strong decays: the rescaled state folds back often, inside blocks, and a decay that underflows to 0 clears it. */
    @Test
    void recurrentFoldsTheRescaledStateUnderStrongDecay() {
        long seed = 60;
        for (float[] av : new float[][] {{-3f, -40f}, {-1e4f, -0.5f}, {0f, -200f}}) {
            Mamba2SsdTest.Inputs r = Mamba2SsdTest.Inputs.random(seed++, 2, 203, 2, 20, 1, 16, false, true);
            Mamba2SsdTest.Inputs in = new Mamba2SsdTest.Inputs(r.x(), r.dt(), Tensor.of(av, 2), r.b(), r.c(), r.d(), r.z(), r.dtBias(), r.init());
            Tensor[] ref = Mamba2SsdTest.reference(in, true);
            Mamba2Ssd.Result got = recurrent(in, true, null, in.init());
            String what = java.util.Arrays.toString(av);
            assertTrue(Tensor.relativeL2Error(got.y(), ref[0]) < TOL, "y " + what + ": " + Tensor.relativeL2Error(got.y(), ref[0]));
            assertTrue(Tensor.relativeL2Error(got.finalState(), ref[1]) < TOL, "state " + what);
        }
    }

    @Test
    void recurrentVarlenEqualsChunkVarlen() {
        int[] cu = {0, 9, 9, 40, 57};
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(12, 1, 57, 4, 8, 2, 8, false, true);
        Tensor init = new Rng(11).normal(0.5f, cu.length - 1, 4, 8, 8);
        Mamba2Ssd.Result r = recurrent(in, true, cu, init);
        Mamba2Ssd.Result c = Mamba2Ssd.chunkScanCombined(in.x(), in.dt(), in.a(), in.b(), in.c(), 8, in.d(), in.z(), in.dtBias(), true, init, true, cu);
        assertTrue(Tensor.relativeL2Error(r.y(), c.y()) < TOL);
        assertTrue(Tensor.relativeL2Error(r.finalState(), c.finalState()) < TOL);
        assertArrayEquals(init.slice(0, 1, 2).toArray(), r.finalState().slice(0, 1, 2).toArray(), "an empty sequence keeps its state");
    }

    @Test
    void recurrentIsBitIdenticalForAnyThreadCount() {
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(21, 2, 40, 4, 8, 2, 16, true, true);
        Parallel.setThreads(1);
        Mamba2Ssd.Result one = recurrent(in, true, null, in.init());
        Parallel.setThreads(2);
        Mamba2Ssd.Result two = recurrent(in, true, null, in.init());
        assertArrayEquals(one.y().toArray(), two.y().toArray());
        assertArrayEquals(one.finalState().toArray(), two.finalState().toArray());
    }

    @Test
    void chunkScratchReusedAcrossCallsLeaksNothing() {
        Parallel.setThreads(1);   // one thread: every item reuses the same scratch
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(23, 2, 30, 4, 8, 2, 16, true, true);
        Mamba2Ssd.Result fresh = Mamba2Ssd.chunkScanCombined(in.x(), in.dt(), in.a(), in.b(), in.c(), 8, in.d(), in.z(), in.dtBias(), true, null, true, null);
        Mamba2SsdTest.chunk(in, 8, true);   // leaves non-zero states in the scratch
        Mamba2Ssd.Result again = Mamba2Ssd.chunkScanCombined(in.x(), in.dt(), in.a(), in.b(), in.c(), 8, in.d(), in.z(), in.dtBias(), true, null, true, null);
        assertArrayEquals(fresh.y().toArray(), again.y().toArray());
        assertArrayEquals(fresh.finalState().toArray(), again.finalState().toArray());
    }

    @Test
    void forwardIsTheChosenFormBitForBit() {
        assertFalse(Mamba2Ssd.prefersChunk(4096, 64, 128, 64), "Mamba-2 demo heads run recurrent");
        assertFalse(Mamba2Ssd.prefersChunk(1 << 16, 256, 128, 64), "N <= 128 always runs recurrent");
        assertTrue(Mamba2Ssd.prefersChunk(4096, 64, 256, 64));
        assertFalse(Mamba2Ssd.prefersChunk(1023, 64, 256, 64), "short sequences run recurrent");
        for (int[] pn : new int[][] {{8, 16}, {16, 160}}) {
            int t = 1030;   // above the chunk threshold for N = 160, so both branches run
            Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(5, 1, t, 1, pn[0], 1, pn[1], false, true);
            Mamba2Ssd.Result f = Mamba2Ssd.forward(in.x(), in.dt(), in.a(), in.b(), in.c(), 16, in.d(), in.z(), in.dtBias(), true, in.init(), true, null);
            Mamba2Ssd.Result ref = Mamba2Ssd.prefersChunk(t, pn[0], pn[1], 16)
                    ? Mamba2Ssd.chunkScanCombined(in.x(), in.dt(), in.a(), in.b(), in.c(), 16, in.d(), in.z(), in.dtBias(), true, in.init(), true, null)
                    : recurrent(in, true, null, in.init());
            assertArrayEquals(ref.y().toArray(), f.y().toArray());
            assertArrayEquals(ref.finalState().toArray(), f.finalState().toArray());
        }
    }

    @Test
    void badInputsAreRejectedWithNames() {
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(31, 1, 4, 4, 4, 2, 8, false, true);
        Tensor positiveA = Tensor.of(new float[] {-1f, 0.5f, -1f, -1f}, 4);
        Mamba2SsdTest.assertMessage("A", () -> Mamba2Ssd.recurrent(in.x(), in.dt(), positiveA, in.b(), in.c(), in.d(), in.z(), in.dtBias(), true, null, true, null));
        Mamba2SsdTest.assertMessage("initial_state", () -> Mamba2Ssd.recurrent(in.x(), in.dt(), in.a(), in.b(), in.c(), in.d(), in.z(), in.dtBias(), true,
                Tensor.zeros(2, 4, 4, 8), true, null));
        Mamba2SsdTest.assertMessage("cu_seqlens", () -> Mamba2Ssd.recurrent(in.x(), in.dt(), in.a(), in.b(), in.c(), in.d(), in.z(), in.dtBias(), true,
                null, true, new int[] {0, 3}));
        Mamba2SsdTest.assertMessage("chunk_size", () -> Mamba2Ssd.forward(in.x(), in.dt(), in.a(), in.b(), in.c(), 0, in.d(), in.z(), in.dtBias(), true,
                null, true, null));
        Tensor nanDt = in.dt().copy();
        nanDt.set(Float.NaN, 0, 1, 2);
        Mamba2SsdTest.assertMessage("dt", () -> Mamba2Ssd.forward(in.x(), nanDt, in.a(), in.b(), in.c(), 4, in.d(), in.z(), in.dtBias(), true, null, true, null));
        Tensor init = in.init().copy();
        float[] before = init.toArray();
        Mamba2SsdTest.assertMessage("z", () -> Mamba2Ssd.recurrent(in.x(), in.dt(), in.a(), in.b(), in.c(), in.d(), Tensor.zeros(1, 4, 4, 3), in.dtBias(), true,
                init, true, null));
        assertArrayEquals(before, init.toArray(), "the initial state is never written");
    }

    /** The shared mamba2 case through the recurrent and forward forms (chunk and step run in ConformanceTest). */
    @Test
    void sharedCasePassesInTheWholeSequenceForms() throws Exception {
        Path dir = Path.of("..", "shared", "conformance", "mamba2");
        assumeTrue(Files.isDirectory(dir), "no ../shared/conformance/mamba2");
        ConformanceCase c = ConformanceCase.load(dir);
        Tensor x = c.input("x"), dt = c.input("dt"), a = c.input("A"), b = c.input("B"), cc = c.input("C");
        Tensor d = c.input("D"), z = c.input("z"), bias = c.input("dt_bias"), init = c.input("initial_state");
        boolean sp = c.param("dt_softplus", false);
        int chunk = c.paramInt("chunk_size", Mamba2Ssd.DEFAULT_CHUNK_SIZE);
        Mamba2Ssd.Result[] forms = {
                Mamba2Ssd.recurrent(x, dt, a, b, cc, d, z, bias, sp, init, true, c.inputInts("cu_seqlens")),
                Mamba2Ssd.forward(x, dt, a, b, cc, chunk, d, z, bias, sp, init, true, c.inputInts("cu_seqlens"))};
        for (Mamba2Ssd.Result r : forms) {
            double ey = Tensor.relativeL2Error(r.y(), c.expected("y")), es = Tensor.relativeL2Error(r.finalState(), c.expected("final_state"));
            assertTrue(ey <= c.tolerance(), "y rel_l2 " + ey);
            assertTrue(es <= c.tolerance(), "final_state rel_l2 " + es);
        }
        assertEquals(2, forms.length);
    }
}
