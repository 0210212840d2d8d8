package org.seqmix.layers;

import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;

/** What {@link Mamba} and {@link Mamba2} share around their scans: input checks and mamba_ssm's A and dt_bias. */
final class MambaBlocks {
    private MambaBlocks() {}

    /** Checks x {@code [B, T, d_model]} with B, T > 0. */
    static void checkSequence(Tensor x, int dModel) {
        Shapes.checkRank("x", x, 3, "B, T, d_model");
        Shapes.checkNamed("x", x, "B, T, d_model", Shapes.ANY, Shapes.ANY, dModel);
        Shapes.positive("B (batch)", x.dim(0));
        Shapes.positive("T (tokens)", x.dim(1));
    }

    /** Checks a step's x and y {@code [B, d_model]}, stride 1 on d_model; allocation-free unless it throws. */
    static void checkStep(Tensor x, Tensor y, int dModel) {
        Shapes.checkRank("x", x, 2, "B, d_model");
        int b = x.dim(0);
        Shapes.checkNamed("x", x, "B, d_model", b, dModel);
        Shapes.checkNamed("y", y, "B, d_model", b, dModel);
        Shapes.require(x.stride(1) == 1 && y.stride(1) == 1, "x, y: expected stride 1 on the d_model axis");
    }

    /** {@code A = -exp(A_log)}, same shape; A_log must be finite. */
    static Tensor negExp(Tensor aLog, int... shape) {
        Shapes.allFinite("A_log", aLog);
        float[] av = aLog.toArray();
        for (int i = 0; i < av.length; i++) av[i] = (float) -Math.exp(av[i]);
        return Tensor.of(av, shape);
    }

    /** mamba_ssm's dt_bias init: the inverse softplus of dt, log-uniform in [1e-3, 1e-1] and floored at 1e-4. */
    static Tensor randomDtBias(Rng rng, int n) {
        Tensor dtBias = Tensor.zeros(n);
        for (int i = 0; i < n; i++) {
            double dt = Math.max(Math.exp(Math.log(1e-3) + rng.nextDouble() * (Math.log(1e-1) - Math.log(1e-3))), 1e-4);
            dtBias.data()[i] = (float) (dt + Math.log(-Math.expm1(-dt)));
        }
        return dtBias;
    }

    /** Null for a weight the config turns off; rejects it when the weights have it anyway. */
    static Tensor absent(Weights w, String name, String key) {
        Shapes.require(!w.has(name), "weights: '" + name + "' is present but config " + key + " = false");
        return null;
    }
}
