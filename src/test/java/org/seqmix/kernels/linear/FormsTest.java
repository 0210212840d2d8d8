package org.seqmix.kernels.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.seqmix.conformance.ConformanceCase;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/** The public forward entries pick a form by the measured rule; every whole-sequence form passes the shared cases. */
class FormsTest {
    static final Path SHARED = Path.of("..", "shared", "conformance");

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void ruleChoosesChunkForLargeStates() {
        for (boolean gla : new boolean[] {false, true}) {
            assertEquals(LinearAttn.Form.CHUNK, LinearAttn.form(gla, 4096, 256, 256, 64));
            assertEquals(LinearAttn.Form.CHUNK, LinearAttn.form(gla, 64, 256, 128, 64));
            assertEquals(LinearAttn.Form.RECURRENT, LinearAttn.form(gla, 63, 256, 256, 64), "less than one chunk");
            assertEquals(LinearAttn.Form.CHUNK, LinearAttn.form(gla, 512, 128, 128, 64), "128 x 128 from 512 tokens");
            assertEquals(LinearAttn.Form.RECURRENT, LinearAttn.form(gla, 511, 128, 128, 64), "128 x 128, short sequences");
            assertEquals(LinearAttn.Form.RECURRENT, LinearAttn.form(gla, 4096, 64, 64, 64), "small state");
            assertEquals(LinearAttn.Form.RECURRENT, LinearAttn.form(gla, 4096, 128, 64, 64), "small state");
        }
    }

    @Test
    void forwardIsTheChosenFormBitForBit() {
        for (String op : List.of("linear_attn", "simple_gla", "lightning_attn", "gla")) {
            for (int K : new int[] {16, 160}) {
                LinearAttnTestData d = LinearAttnTestData.random(op, 3, 1, 70, 2, K, K, -0.5f, 0f, true);
                GlaOutput f = forward(d, null, 16);
                boolean chunk = LinearAttn.form(op.equals("gla"), 70, K, K, 16) == LinearAttn.Form.CHUNK;
                GlaOutput ref = chunk ? d.chunk(d.h0(), null, 16) : d.recurrent(d.h0(), null);
                assertArrayEquals(ref.o().data(), f.o().data(), op + " K=" + K);
                assertArrayEquals(ref.finalState().data(), f.finalState().data(), op + " K=" + K);
            }
        }
    }

    @Test
    void forwardOfAPackedBatchUsesTheMeanLength() {
        LinearAttnTestData d = LinearAttnTestData.random("simple_gla", 4, 1, 100, 1, 160, 160, -0.5f, 0f, false);
        int[] cu = {0, 30, 60, 100};   // mean 33 tokens < chunk 64: recurrent, though 160 x 160 would chunk
        GlaOutput f = LinearAttn.simpleGla(d.q(), d.k(), d.v(), d.g(), d.scale(), null, true, cu, 64);
        GlaOutput r = d.recurrent(null, cu);
        assertArrayEquals(r.o().data(), f.o().data());
    }

    @Test
    void forwardRejectsBadInputBeforeChoosing() {
        LinearAttnTestData d = LinearAttnTestData.random("simple_gla", 5, 1, 8, 2, 4, 4, -0.5f, 0f, false);
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.simpleGla(d.q(), d.k(), d.v(), d.g(), d.scale(), null, true, null, 0));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.simpleGla(d.q().reshape(8, 2, 4), d.k(), d.v(), d.g(), d.scale(), null, true, null, 16));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.gla(d.q(), d.k(), d.v(), d.g(), d.scale(), null, true, null, 16));
        assertThrows(IllegalArgumentException.class, () -> LinearAttn.simpleGla(d.q(), d.k(), d.v(), d.g(), d.scale(), null, true, new int[] {0, 9}, 16));
    }

    @Test
    void recurrentColumnBlocksEqualTheStepBitForBit() {
        assertEquals(64, RecurrentGla.columnBlock(128, 128));
        assertEquals(24, RecurrentGla.columnBlock(16, 24), "a state that fits L1 stays whole");
        for (String op : ChunkGlaTest.OPS) {
            // K x V = 128 x 80 > 32 KiB: blocks of 64 and 16 columns (the normalized form keeps V whole)
            LinearAttnTestData d = LinearAttnTestData.random(op, 10, 2, 12, 2, 128, 80, -0.5f, 0f, true);
            Tensor[] s = StepGlaTest.stepAll(d, d.h0());
            GlaOutput r = d.recurrent(d.h0(), null);
            assertArrayEquals(s[0].data(), r.o().data(), op);
            assertArrayEquals(s[1].data(), r.finalState().data(), op);
        }
    }

    @Test
    void fusedRecurrentIsBitIdenticalForAnyThreadCount() {
        LinearAttnTestData d = LinearAttnTestData.random("gla", 6, 2, 33, 3, 16, 24, -1f, 0f, true);
        Parallel.setThreads(1);
        GlaOutput one = d.recurrent(d.h0(), null);
        Parallel.setThreads(2);
        GlaOutput two = d.recurrent(d.h0(), null);
        assertArrayEquals(one.o().data(), two.o().data());
        assertArrayEquals(one.finalState().data(), two.finalState().data());
    }

    static GlaOutput forward(LinearAttnTestData d, int[] cu, int chunk) {
        return switch (d.op()) {
            case "linear_attn" -> LinearAttn.linearAttn(d.q(), d.k(), d.v(), d.scale(), d.h0(), true, false, null, cu, chunk);
            case "linear_attn_normalize" -> LinearAttn.linearAttn(d.q(), d.k(), d.v(), d.scale(), d.h0(), true, true, null, cu, chunk);
            case "simple_gla" -> LinearAttn.simpleGla(d.q(), d.k(), d.v(), d.g(), d.scale(), d.h0(), true, cu, chunk);
            case "lightning_attn" -> LinearAttn.lightningAttn(d.q(), d.k(), d.v(), LinearAttnTestData.LAYER_IDX, LinearAttnTestData.NUM_LAYERS,
                    d.scale(), d.h0(), true, cu, chunk);
            default -> LinearAttn.gla(d.q(), d.k(), d.v(), d.g(), d.scale(), d.h0(), true, cu, chunk);
        };
    }

    /** chunk, fused recurrent and forward on every shared case of the family (the step form runs in ConformanceTest). */
    @Test
    void everyWholeSequenceFormPassesTheSharedCases() throws Exception {
        assumeTrue(Files.isDirectory(SHARED), "no ../shared/conformance folder");
        int cases = 0;
        for (String name : List.of("linear_attn", "linear_attn_normalize", "simple_gla", "lightning_attn", "gla")) {
            Path dir = SHARED.resolve(name);
            if (!Files.isDirectory(dir)) continue;
            ConformanceCase c = ConformanceCase.load(dir);
            Tensor q = c.input("q"), k = c.input("k"), v = c.input("v"), g = c.input("g"), h0 = c.input("initial_state");
            int[] cu = c.inputInts("cu_seqlens");
            float scale = (float) c.param("scale", LinearAttn.defaultScale(q.dim(3)));
            boolean norm = c.param("normalize", false);
            int li = c.paramInt("layer_idx", 0), nl = c.paramInt("num_layers", 1), chunk = c.paramInt("chunk_size", LinearAttn.DEFAULT_CHUNK_SIZE);
            String op = c.op();
            for (String form : List.of("chunk", "recurrent", "forward")) {
                GlaOutput r = switch (op + "/" + form) {
                    case "linear_attn/chunk" -> LinearAttn.chunkLinearAttn(q, k, v, scale, h0, true, norm, null, cu, chunk);
                    case "linear_attn/recurrent" -> LinearAttn.fusedRecurrentLinearAttn(q, k, v, scale, h0, true, norm, null, cu);
                    case "linear_attn/forward" -> LinearAttn.linearAttn(q, k, v, scale, h0, true, norm, null, cu, chunk);
                    case "simple_gla/chunk" -> LinearAttn.chunkSimpleGla(q, k, v, g, scale, h0, true, cu, chunk);
                    case "simple_gla/recurrent" -> LinearAttn.fusedRecurrentSimpleGla(q, k, v, g, scale, h0, true, cu);
                    case "simple_gla/forward" -> LinearAttn.simpleGla(q, k, v, g, scale, h0, true, cu, chunk);
                    case "lightning_attn/chunk" -> LinearAttn.chunkLightningAttn(q, k, v, li, nl, scale, h0, true, cu, chunk);
                    case "lightning_attn/recurrent" -> LinearAttn.fusedRecurrentLightningAttn(q, k, v, li, nl, scale, h0, true, cu);
                    case "lightning_attn/forward" -> LinearAttn.lightningAttn(q, k, v, li, nl, scale, h0, true, cu, chunk);
                    case "gla/chunk" -> LinearAttn.chunkGla(q, k, v, g, scale, h0, true, cu, chunk);
                    case "gla/recurrent" -> LinearAttn.fusedRecurrentGla(q, k, v, g, scale, h0, true, cu);
                    case "gla/forward" -> LinearAttn.gla(q, k, v, g, scale, h0, true, cu, chunk);
                    default -> throw new IllegalStateException(op);
                };
                check(c, "o", r.o(), form);
                if (c.outputNames().contains("final_state")) check(c, "final_state", r.finalState(), form);
            }
            cases++;
        }
        assumeTrue(cases > 0, "no linear-attention case found");
    }

    static void check(ConformanceCase c, String output, Tensor got, String form) throws Exception {
        double err = Tensor.relativeL2Error(got, c.expected(output));
        org.junit.jupiter.api.Assertions.assertTrue(err <= c.tolerance(),
                c.name() + " " + form + " " + output + ": rel_l2 " + err + " > " + c.tolerance());
    }
}
