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
    /** Steady-state bytes per call of {@code cls#factory()}'s Runnable or layer, in a fresh JVM. */
    public static double bytesPerCall(Class<?> cls, String factory) throws Exception {
        return org.seqmix.testing.Allocations.bytesPerCallInFreshJvm(cls, factory);
    }

    static Runnable mamba2Step() {
        Rng r = new Rng(1);
        Tensor state = Tensor.zeros(2, 4, 8, 16), x = r.normal(1f, 2, 4, 8), dt = r.normal(1f, 2, 4), a = r.uniform(-1f, -0.1f, 4);
        Tensor b = r.normal(1f, 2, 2, 16), c = r.normal(1f, 2, 2, 16), d = r.normal(1f, 4), z = r.normal(1f, 2, 4, 8), bias = r.normal(1f, 4);
        Tensor out = Tensor.zeros(2, 4, 8);
        // and a model-sized head (P = 64, N = 128): the kernels' wide paths only run from several vectors up
        Tensor state2 = Tensor.zeros(1, 2, 64, 128), x2 = r.normal(1f, 1, 2, 64), dt2 = r.normal(1f, 1, 2), a2 = r.uniform(-1f, -0.1f, 2);
        Tensor b2 = r.normal(1f, 1, 1, 128), c2 = r.normal(1f, 1, 1, 128), out2 = Tensor.zeros(1, 2, 64);
        return () -> {
            SelectiveStateUpdate.update(state, x, dt, a, b, c, d, z, bias, true, out);
            SelectiveStateUpdate.update(state2, x2, dt2, a2, b2, c2, null, null, null, true, out2);
        };
    }

    @Test
    void mamba2StepAllocatesNothing() throws Exception {
        double bytes = bytesPerCall(StepAllocationTest.class, "mamba2Step");
        assertTrue(bytes < 1, "selective_state_update allocates " + bytes + " bytes per call");
    }

    static Runnable mambaStep() {
        Rng r = new Rng(2);
        Tensor state = Tensor.zeros(2, 8, 4), u = r.normal(1f, 2, 8), dl = r.normal(1f, 2, 8), a = r.uniform(-1f, -0.1f, 8, 4);
        Tensor b = r.normal(1f, 2, 4), c = r.normal(1f, 2, 4), d = r.normal(1f, 8), z = r.normal(1f, 2, 8), bias = r.normal(1f, 8);
        Tensor y = Tensor.zeros(2, 8);
        return () -> SelectiveScan.step(state, u, dl, a, b, c, d, z, bias, true, y);
    }

    @Test
    void mambaStepAllocatesNothing() throws Exception {
        double bytes = bytesPerCall(StepAllocationTest.class, "mambaStep");
        assertTrue(bytes < 1, "selective scan step allocates " + bytes + " bytes per call");
    }
}
