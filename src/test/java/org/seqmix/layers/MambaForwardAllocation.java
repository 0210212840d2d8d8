package org.seqmix.layers;

import java.util.ArrayList;
import java.util.List;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.testing.Allocations;

/**
 * Steady-state bytes of one Mamba-1 forward ({@code d_model 64, T 64}), measured in a fresh JVM with the SIMD
 * kernels or on the scalar floor. The floor allocates only the forward's tensors, so SIMD must match it: a
 * vector boxed per token in the selective scan (softplus, silu, exp) would show as megabytes on top.
 */
final class MambaForwardAllocation {
    private MambaForwardAllocation() {}

    public static void main(String[] args) {
        Mamba layer = Mamba.random(Mamba.Config.of(64), 3);
        Tensor x = new Rng(4).normal(1f, 1, 64, 64);
        System.out.println("bytes_per_forward=" + Allocations.steadyStateBytesPerCall(() -> layer.forward(x, null), 20, 60));
    }

    static double bytesPerForwardInFreshJvm(boolean simd) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        var cmd = new ArrayList<>(List.of(java, "-Dseqmix.threads=1", "-cp", System.getProperty("java.class.path"),
                MambaForwardAllocation.class.getName()));
        if (simd) cmd.addAll(1, List.of("--add-modules", "jdk.incubator.vector"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("allocation probe failed:\n" + out);
        for (String line : out.split("\n")) {
            if (line.startsWith("bytes_per_forward=")) return Double.parseDouble(line.substring("bytes_per_forward=".length()).trim());
        }
        throw new IllegalStateException("allocation probe printed no result:\n" + out);
    }
}
