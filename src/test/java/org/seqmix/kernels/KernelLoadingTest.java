package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** Every Panama kernel class loads through {@link VectorizationProvider#panama} (a silent scalar fallback would pass conformance). */
class KernelLoadingTest {
    private static final String[] PANAMA = {
        "org.seqmix.kernels.PanamaChunkMatmul",
        "org.seqmix.kernels.PanamaGemmKernel",
        "org.seqmix.kernels.linear.PanamaFusedRecurrent",
        "org.seqmix.kernels.mamba.PanamaScanChannels",
        "org.seqmix.kernels.mamba.PanamaSsdStepRows",
        "org.seqmix.kernels.mamba.PanamaSsdScanTokens",
        "org.seqmix.kernels.attention.PanamaDecodeKernel",
        "org.seqmix.kernels.deltarule.PanamaDeltaStepKernel",
    };

    @Test
    void everyPanamaKernelLoadsWhenTheModuleIsPresent() {
        assumeTrue(VectorizationProvider.vectorModulePresent(), "needs --add-modules jdk.incubator.vector");
        for (String name : PANAMA) {
            Object k = VectorizationProvider.panama(Object.class, name);
            assertNotNull(k, name);
            assertEquals(name, k.getClass().getName());
        }
    }

    @Test
    void anUnknownClassGivesNullAndKernelFallsBackToScalar() {
        assertNull(VectorizationProvider.panama(Object.class, "org.seqmix.kernels.NoSuchKernel"));
        assertEquals("scalar", VectorizationProvider.kernel(String.class, "org.seqmix.kernels.NoSuchKernel", () -> "scalar"));
    }
}
