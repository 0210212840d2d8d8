package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

/** The step kernels allocate nothing per call once compiled (measured with the JVM's per-thread allocation counter). */
public class StepAllocationTest {
    /** Bytes allocated per call, after warm-up, averaged over many calls. */
    public static double bytesPerCall(Runnable r) {
        return org.seqmix.testing.Allocations.steadyStateBytesPerCall(r);
    }

    @Test
    void mamba2StepAllocatesNothing() {
        Rng r = new Rng(1);
        Tensor state = Tensor.zeros(2, 4, 8, 16), x = r.normal(1f, 2, 4, 8), dt = r.normal(1f, 2, 4), a = r.uniform(-1f, -0.1f, 4);
        Tensor b = r.normal(1f, 2, 2, 16), c = r.normal(1f, 2, 2, 16), d = r.normal(1f, 4), z = r.normal(1f, 2, 4, 8), bias = r.normal(1f, 4);
        Tensor out = Tensor.zeros(2, 4, 8);
        double bytes = bytesPerCall(() -> SelectiveStateUpdate.update(state, x, dt, a, b, c, d, z, bias, true, out));
        assertTrue(bytes < 1, "selective_state_update allocates " + bytes + " bytes per call");
    }

    @Test
    void mambaStepAllocatesNothing() {
        Rng r = new Rng(2);
        Tensor state = Tensor.zeros(2, 8, 4), u = r.normal(1f, 2, 8), dl = r.normal(1f, 2, 8), a = r.uniform(-1f, -0.1f, 8, 4);
        Tensor b = r.normal(1f, 2, 4), c = r.normal(1f, 2, 4), d = r.normal(1f, 8), z = r.normal(1f, 2, 8), bias = r.normal(1f, 8);
        Tensor y = Tensor.zeros(2, 8);
        double bytes = bytesPerCall(() -> SelectiveScan.step(state, u, dl, a, b, c, d, z, bias, true, y));
        assertTrue(bytes < 1, "selective scan step allocates " + bytes + " bytes per call");
    }
}
