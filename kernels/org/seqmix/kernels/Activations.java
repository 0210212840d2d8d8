package org.seqmix.kernels;

/** Scalar activations with PyTorch's conventions, for single values and the scalar floor. */
public final class Activations {
    private Activations() {}

    public static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    public static float silu(float x) {
        return x * sigmoid(x);
    }

    /** log(1 + e^x); returns x above 20 like torch.nn.functional.softplus. */
    public static float softplus(float x) {
        return x > 20f ? x : (float) Math.log1p(Math.exp(x));
    }

    /** log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)). */
    public static float logsigmoid(float x) {
        return (float) (Math.min(x, 0.0) - Math.log1p(Math.exp(-Math.abs(x))));
    }
}
