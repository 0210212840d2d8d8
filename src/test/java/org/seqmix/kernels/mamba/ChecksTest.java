package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.seqmix.core.Tensor;

/** The vectorised fast pass of {@link Checks#finite} must not let a bad value through, wherever it sits. */
class ChecksTest {
    @Test
    void finiteFindsEveryBadValueInContiguousAndStridedTensors() {
        int d = 70, n = 16;
        for (int at : new int[] {0, 15, 16, 17, d * n / 2, d * n - 1}) {
            for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0.5f}) {
                Tensor a = Tensor.full(-1f, d, n);
                a.data()[at] = bad;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checks.finite("A", a, true), "at " + at + " " + bad);
                assertTrue(e.getMessage().contains("flat index " + at), e.getMessage());
                Tensor t = a.transpose(0, 1);   // strided: the exact loop alone
                assertThrows(IllegalArgumentException.class, () -> Checks.finite("A", t, true), "transposed, " + bad);
                if (bad != 0.5f) assertThrows(IllegalArgumentException.class, () -> Checks.finite("D", a, false));
                else Checks.finite("D", a, false);
            }
        }
        // finite values whose sum overflows pass (the exact loop confirms)
        Tensor big = Tensor.full(-3e38f, d, n);
        Checks.finite("A", big, true);
        Checks.finite("A", Tensor.full(-1f, d, n), true);
    }
}
