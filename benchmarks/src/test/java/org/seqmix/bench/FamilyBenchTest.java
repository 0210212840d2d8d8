package org.seqmix.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.linear.GlaOutput;
import org.seqmix.kernels.mamba.Mamba2Ssd;

/** LinearAttnBench and MambaBench: the forms they time agree, the decode state is the prefilled one, the hooks count right. */
class FamilyBenchTest {
    @Test
    void linearAttnBenchFormsAgreeAndDecodeSteps() {
        for (String op : new String[] {"simple_gla", "gla", "lightning_attn", "linear_attn"}) {
            LinearAttnBench.Op o = new LinearAttnBench.Op();
            o.op = op;
            o.headDim = 8;
            o.threads = 1;
            o.threads();
            LinearAttnBench.Prefill p = new LinearAttnBench.Prefill();
            p.seqLen = 70;
            p.setup(o);
            LinearAttnBench b = new LinearAttnBench();
            GlaOutput c = b.prefillChunk(p), r = b.prefillRecurrent(p), f = b.prefillForward(p);
            assertTrue(Tensor.relativeL2Error(c.o(), r.o()) < 1e-4, op);
            assertTrue(Tensor.relativeL2Error(f.o(), r.o()) < 1e-4, op);
            LinearAttnBench.Decode d = new LinearAttnBench.Decode();
            d.context = 5;
            d.setup(o);
            Tensor before = d.state.copy();
            b.decodeStep(d);
            assertTrue(Tensor.maxAbsError(before, d.state) > 0, op + ": the step updates the state");
        }
        Map<String, String> params = Map.of("op", "simple_gla", "headDim", "128", "seqLen", "1024");
        assertEquals(8 * 1024 * 4.0 * 128 * 128, LinearAttnBench.flops("prefillRecurrent", params));
        assertEquals(8 * 1024 * (4.0 * 128 * 128 + 2.0 * 64 * 256), LinearAttnBench.flops("prefillChunk", params));
        assertEquals(8 * 4.0 * 128 * 128, LinearAttnBench.flops("decodeStep", Map.of("op", "gla", "headDim", "128", "context", "1024")));
        assertEquals(8.0 * 128 * 128 * 8, LinearAttnBench.bytes("decodeStep", Map.of("headDim", "128")));
    }

    @Test
    void mambaBenchFormsAgreeAndHooksCount() {
        MambaBench.Threads t = new MambaBench.Threads();
        t.threads = 1;
        t.threads();
        MambaBench.Prefill p = new MambaBench.Prefill();
        p.seqLen = 9;
        p.setup(t);
        MambaBench b = new MambaBench();
        Mamba2Ssd.Result c = b.prefillChunk(p), r = b.prefillRecurrent(p), f = b.prefillForward(p);
        assertTrue(Tensor.relativeL2Error(c.y(), r.y()) < 1e-4);
        assertTrue(Tensor.relativeL2Error(f.y(), r.y()) < 1e-4);
        assertEquals(9, b.prefillSelectiveScan(p).y().dim(1));
        MambaBench.Decode d = new MambaBench.Decode();
        d.context = 3;
        d.setup(t);
        assertEquals(64, b.decodeStep(d).dim(2));
        Map<String, String> params = Map.of("seqLen", "1024");
        assertEquals(16 * 1024 * 4.0 * 64 * 128, MambaBench.flops("prefillRecurrent", params));
        assertEquals(1024 * 2048 * 5.0 * 16, MambaBench.flops("prefillSelectiveScan", params));
        assertEquals(4.0 * 1024 * (4 * 2048 + 2 * 16), MambaBench.bytes("prefillSelectiveScan", params));
        assertEquals(1024.0 * 2048 * 16, MambaBench.elements("prefillSelectiveScan", params));
    }
}
