package org.seqmix.kernels.conv;

import org.seqmix.core.Parallel;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;
import org.seqmix.kernels.mamba.Checks;

/**
 * Depthwise causal convolution as mamba_ssm's {@code causal_conv1d_fn} / {@code causal_conv1d_update}, token-major:
 * {@code y[t, d] = act(bias[d] + sum_i weight[d, i] * x[t - (W-1) + i, d])}, where inputs before the sequence
 * come from the conv state {@code [B, D, W-1]} (the last W-1 inputs, oldest first; zeros when empty).
 */
public final class CausalConv1d {
    private CausalConv1d() {}

    private static void checkParams(int d, Tensor weight, Tensor bias) {
        Shapes.checkRank("weight", weight, 2, "D, W");
        Shapes.checkNamed("weight", weight, "D, W", d, Shapes.ANY);
        Shapes.positive("conv width W", weight.dim(1));
        if (bias != null) Shapes.checkNamed("bias", bias, "D", d);
    }

    /**
     * Whole sequence. {@code x [B, T, D]}, {@code weight [D, W]}, {@code bias [D]} or null, {@code silu} for the
     * activation; {@code initialState [B, D, W-1]} or null (zeros); {@code finalState [B, D, W-1]} or null, written
     * with the last W-1 inputs. Returns y {@code [B, T, D]}.
     */
    public static Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor initialState, Tensor finalState) {
        return forward(x, weight, bias, silu, initialState, finalState, null);
    }

    /**
     * As {@link #forward(Tensor, Tensor, Tensor, boolean, Tensor, Tensor)}, with packed variable-length sequences
     * when {@code cuSeqlens [N+1]} is given: then B must be 1, each sequence starts from its own conv state and
     * {@code initialState} / {@code finalState} are {@code [N, D, W-1]}. finalState must not overlap initialState
     * unless it is the same tensor.
     */
    public static Tensor forward(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor initialState, Tensor finalState,
                                 int[] cuSeqlens) {
        Shapes.checkRank("x", x, 3, "B, T, D");
        int b = x.dim(0), t = x.dim(1), d = x.dim(2);
        checkParams(d, weight, bias);
        int w = weight.dim(1);
        int seqs = b;
        if (cuSeqlens != null) {
            Shapes.require(b == 1, "cu_seqlens: expected batch size 1 (packed sequences), got x of shape " + java.util.Arrays.toString(x.shape()));
            Shapes.checkCuSeqlens(cuSeqlens, t);
            seqs = cuSeqlens.length - 1;
        }
        if (initialState != null) Shapes.checkNamed("initial_state", initialState, "N, D, W-1", seqs, d, w - 1);
        if (finalState != null) Shapes.checkNamed("final_state", finalState, "N, D, W-1", seqs, d, w - 1);
        Tensor xc = x.contiguous();
        float[] xa = xc.data();
        int xo = xc.offset();
        // weight transposed to [W, D] so the inner loop runs over contiguous channels
        float[] wt = new float[w * d];
        for (int c = 0; c < d; c++) for (int i = 0; i < w; i++) wt[i * d + c] = weight.get(c, i);
        float[] bs = bias == null ? null : bias.contiguous().toArray();
        // read every initial state before any final state is written (they may be the same tensor)
        float[][] hists = new float[seqs][];
        for (int s = 0; s < seqs; s++) {
            float[] hist = new float[Math.max(0, w - 1) * d];
            if (initialState != null) {
                for (int c = 0; c < d; c++) for (int j = 0; j < w - 1; j++) hist[j * d + c] = initialState.get(s, c, j);
            }
            hists[s] = hist;
        }
        Tensor y = Tensor.zeros(b, t, d);
        float[] ya = y.data();
        VectorOps ops = VectorizationProvider.ops();
        Parallel.forRange(seqs, s -> {
            int bi = cuSeqlens == null ? s : 0;
            int t0 = cuSeqlens == null ? 0 : cuSeqlens[s];
            int len = cuSeqlens == null ? t : cuSeqlens[s + 1] - t0;
            int base = xo + (bi * t + t0) * d;
            float[] hist = hists[s];
            for (int tt = 0; tt < len; tt++) {
                int yo = (bi * t + t0 + tt) * d;
                if (bs != null) System.arraycopy(bs, 0, ya, yo, d);
                for (int i = 0; i < w; i++) {
                    int src = tt - (w - 1) + i;
                    if (src >= 0) ops.fma(wt, i * d, xa, base + src * d, ya, yo, d);
                    else ops.fma(wt, i * d, hist, (src + w - 1) * d, ya, yo, d);
                }
                if (silu) ops.silu(ya, yo, ya, yo, d);
            }
            if (finalState != null) {
                for (int j = 0; j < w - 1; j++) {
                    int src = len - (w - 1) + j;
                    for (int c = 0; c < d; c++) {
                        float v = src >= 0 ? xa[base + src * d + c] : hist[(src + w - 1) * d + c];
                        finalState.set(v, s, c, j);
                    }
                }
            }
        });
        return y;
    }

    /**
     * One token, allocation-free: {@code x [B, D]} in, {@code state [B, D, W-1]} rolled in place (contiguous),
     * {@code y [B, D]} out (contiguous; may not alias x).
     */
    public static void step(Tensor x, Tensor weight, Tensor bias, boolean silu, Tensor state, Tensor y) {
        // allocation-free checks: this runs every decoded token
        Shapes.checkRank("x", x, 2, "B, D");
        int b = x.dim(0), d = x.dim(1);
        Shapes.checkRank("weight", weight, 2, "D, W");
        int w = weight.dim(1);
        Shapes.checkNamed("weight", weight, "D, W", d, w);
        Shapes.positive("conv width W", w);
        if (bias != null) Shapes.checkNamed("bias", bias, "D", d);
        Shapes.checkNamed("state", state, "B, D, W-1", b, d, w - 1);
        Shapes.checkNamed("y", y, "B, D", b, d);
        Shapes.require(state.isContiguous() && y.isContiguous() && weight.isContiguous() && x.isContiguous(),
                "conv step: x, weight, state and y must be contiguous");
        float[] s = state.data(), xa = x.data(), ya = y.data(), wa = weight.data();
        int so = state.offset(), xo = x.offset(), yo = y.offset(), wo = weight.offset();
        for (int bi = 0; bi < b; bi++) {
            for (int c = 0; c < d; c++) {
                int sp = so + (bi * d + c) * (w - 1);
                int wp = wo + c * w;
                float xv = xa[xo + bi * d + c];
                float acc = bias == null ? 0f : bias.data()[bias.offset() + c * bias.stride(0)];
                for (int j = 0; j < w - 1; j++) acc += wa[wp + j] * s[sp + j];
                acc += wa[wp + w - 1] * xv;
                for (int j = 0; j < w - 2; j++) s[sp + j] = s[sp + j + 1];
                if (w > 1) s[sp + w - 2] = xv;
                ya[yo + bi * d + c] = silu ? Activations.silu(acc) : acc;
            }
        }
    }
}
