package org.seqmix.layers;

import java.util.ArrayList;
import java.util.List;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.testing.Allocations;

/**
 * Steady-state bytes of one forward ({@code T 64}) of a small Mamba-1 or GLA layer, measured in a fresh JVM with
 * the SIMD kernels or on the scalar floor. The floor allocates only the forward's tensors, so SIMD must match it: a
 * vector boxed per row (Mamba-1's per-token softplus / silu / exp in the selective scan, GLA's logsigmoid gate)
 * shows on top.
 */
final class ForwardAllocation {
    private ForwardAllocation() {}

    // A forward never gets a clean (0-byte) round, so the probe runs all its rounds: 200 of 20 calls (with the
    // 60 s budget) so that C2 has compiled the scan's vector code on a loaded machine too (60 rounds were not
    // always enough in a full CI run: SIMD 309 KB vs 297 KB once).
    public static void main(String[] args) {
        SequenceMixer layer = switch (args[0]) {
            case "mamba" -> Mamba.random(Mamba.Config.of(64), 3);
            case "gla" -> GatedLinearAttention.random(GatedLinearAttention.Config.defaults(64, 4), 3);
            default -> throw new IllegalArgumentException(args[0]);
        };
        Tensor x = new Rng(4).normal(1f, 1, 64, 64);
        System.out.println("bytes_per_forward=" + Allocations.steadyStateBytesPerCall(() -> layer.forward(x, null), 20, 200));
    }

    /** Fails unless the SIMD forward of {@code layer} ("mamba", "gla") allocates no more than the scalar floor's (+1%). */
    static void assertSimdAllocatesOnlyTensors(String layer) throws Exception {
        double simd = bytesPerForwardInFreshJvm(layer, true), scalar = bytesPerForwardInFreshJvm(layer, false);
        if (simd > scalar * 1.01) {
            throw new AssertionError(layer + " forward allocates " + simd + " bytes with SIMD, " + scalar + " on the scalar floor");
        }
    }

    private static double bytesPerForwardInFreshJvm(String layer, boolean simd) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        var cmd = new ArrayList<>(List.of(java, "-Dseqmix.threads=1", "-cp", System.getProperty("java.class.path"),
                ForwardAllocation.class.getName(), layer));
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
