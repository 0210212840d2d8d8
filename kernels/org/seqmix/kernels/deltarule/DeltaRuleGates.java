package org.seqmix.kernels.deltarule;

import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * The gate activations of the delta-rule layers (fla's {@code naive_gdn_gate}, {@code naive_kda_gate},
 * {@code naive_kda_lowerbound_gate}, sigmoid betas) and their output norm, on rows of float[] slices;
 * allocation-free, for both the whole-sequence and the one-token paths. Outputs may alias inputs at the same
 * offset only where the input and output rows have the same layout (no head repetition).
 */
public final class DeltaRuleGates {
    private DeltaRuleGates() {}

    /** Gated DeltaNet: {@code g[r, h] = negA[h] * softplus(a[r, h] + dtBias[h])} with negA = -exp(A_log), HV heads per row. */
    public static void gdnGate(float[] a, int ao, float[] negA, float[] dtBias, int dtO, int hv, int rows, float[] g, int go) {
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < hv; h++) {
                g[go + r * hv + h] = negA[h] * Activations.softplus(a[ao + r * hv + h] + dtBias[dtO + h]);
            }
        }
    }

    /**
     * KDA / GDN-2 channel gate. {@code f [rows, H*K]} (q/k heads) to {@code g [rows, HV, K]}, value head i using
     * q/k head i / (HV/H): {@code -expA[h] * softplus(f + dtBias)}, or with {@code bounded}
     * {@code lowerBound * sigmoid(expA[h] * (f + dtBias))}; expA = exp(A_log) per q/k head.
     */
    public static void kdaGate(float[] f, int fo, float[] expA, float[] dtBias, int dtO, int h, int hv, int kd,
                               boolean bounded, float lowerBound, int rows, float[] g, int go) {
        int group = hv / h;
        for (int r = 0; r < rows; r++) {
            for (int head = 0; head < hv; head++) {
                int qh = head / group, src = fo + r * h * kd + qh * kd, dst = go + (r * hv + head) * kd;
                for (int i = 0; i < kd; i++) {
                    float x = f[src + i] + dtBias[dtO + qh * kd + i];
                    g[dst + i] = bounded ? lowerBound * Activations.sigmoid(expA[qh] * x) : -expA[qh] * Activations.softplus(x);
                }
            }
        }
    }

    /**
     * {@code out[r, head, :] = mul * sigmoid(x[r, head / (HV/H), :])}: betas ({@code width} 1), GDN-2's erase gate
     * (width K) and write gate (H = HV, width V), repeated over grouped value heads.
     */
    public static void sigmoidHeads(float[] x, int xo, int h, int hv, int width, float mul, int rows, float[] out, int oo) {
        int group = hv / h;
        for (int r = 0; r < rows; r++) {
            for (int head = 0; head < hv; head++) {
                int src = xo + (r * h + head / group) * width, dst = oo + (r * hv + head) * width;
                for (int i = 0; i < width; i++) out[dst + i] = mul * Activations.sigmoid(x[src + i]);
            }
        }
    }

    /**
     * Output norm over rows of {@code vd} floats: {@code rmsnorm(o) * weight * act(gate)} with act = SiLU
     * ({@code sigmoidGate} false, fla's FusedRMSNormGated default), sigmoid, or plain RMSNorm ({@code gate} null).
     */
    public static void outputNorm(float[] o, int oo, float[] gate, int go, Tensor weight, float eps, boolean sigmoidGate,
                                  float[] out, int outo, int rows, int vd) {
        VectorOps ops = VectorizationProvider.ops();
        float[] w = weight.data();
        int wo = weight.offset();
        for (int r = 0; r < rows; r++) {
            int a = oo + r * vd, g = go + r * vd, d = outo + r * vd;
            if (gate == null) {
                ops.rmsNorm(o, a, w, wo, eps, out, d, vd);
            } else if (!sigmoidGate) {
                ops.gatedRmsNorm(o, a, gate, g, w, wo, eps, out, d, vd);
            } else {
                ops.rmsNorm(o, a, w, wo, eps, out, d, vd);
                for (int j = 0; j < vd; j++) out[d + j] *= Activations.sigmoid(gate[g + j]);
            }
        }
    }
}
