package org.seqmix.kernels;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;

/** {@code y = x W^T + b} as torch.nn.Linear, weight [out, in]; the projections of every layer. */
public final class Linear {
    private Linear() {}

    /** x [..., in] -> [..., out]. bias may be null. */
    public static Tensor apply(Tensor x, Tensor weight, Tensor bias) {
        Shapes.checkRank("weight", weight, 2, "out_features, in_features");
        int out = weight.dim(0), in = weight.dim(1);
        if (x == null || x.rank() < 1 || x.dim(-1) != in) {
            throw new IllegalArgumentException("x: expected shape [..., " + in + "] (in_features of weight " + weight + "), got " + x);
        }
        if (bias != null) Shapes.check("bias", bias, out);
        Tensor xc = x.contiguous();
        Tensor wc = weight.contiguous();
        int rows = prefixRows(x);
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.zeros(shape);
        if (bias != null) {
            Tensor bc = bias.contiguous();
            for (int r = 0; r < rows; r++) System.arraycopy(bc.data(), bc.offset(), y.data(), r * out, out);
        }
        if (rows > 0 && out > 0) {
            Gemm.sgemm(false, true, rows, out, in, 1f, xc.data(), xc.offset(), Math.max(1, in), wc.data(), wc.offset(), Math.max(1, in),
                    bias == null ? 0f : 1f, y.data(), 0, out);
        }
        return y;
    }

    private static int prefixRows(Tensor x) {
        int r = 1;
        for (int i = 0; i < x.rank() - 1; i++) r *= x.dim(i);
        return r;
    }

    /**
     * One row, allocation-free: out[oo..oo+outF) = W x[xo..xo+in) + b. weight and bias must be contiguous. Checks
     * allocate nothing unless they fail.
     */
    public static void gemv(Tensor weight, Tensor bias, float[] x, int xo, float[] out, int oo) {
        if (weight == null || weight.rank() != 2 || !weight.isContiguous()) {
            throw new IllegalArgumentException("weight: expected a contiguous [out_features, in_features] tensor, got " + weight);
        }
        int outF = weight.dim(0), in = weight.dim(1);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != outF)) {
            throw new IllegalArgumentException("bias: expected shape [" + outF + "], got " + bias);
        }
        if (x == null || xo < 0 || (long) xo + in > x.length) {
            throw new IllegalArgumentException("x: expected " + in + " floats from offset " + xo + ", array has " + (x == null ? "null" : x.length));
        }
        if (out == null || oo < 0 || (long) oo + outF > out.length) {
            throw new IllegalArgumentException("out: expected room for " + outF + " floats from offset " + oo + ", array has "
                    + (out == null ? "null" : out.length));
        }
        float[] w = weight.data();
        int wo = weight.offset();
        float[] bd = bias == null ? null : bias.data();
        int bo = bias == null ? 0 : bias.offset(), bs = bias == null ? 0 : bias.stride(0);
        VectorOps ops = VectorizationProvider.ops();
        for (int o = 0; o < outF; o++) {
            float s = ops.dot(w, wo + o * in, x, xo, in);
            out[oo + o] = bd == null ? s : s + bd[bo + o * bs];
        }
    }
}
