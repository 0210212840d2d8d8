package org.seqmix.kernels;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;

/** {@code y = x W^T + b} as torch.nn.Linear, weight [out, in]; the projections of every layer. */
public final class Linear {
    private Linear() {}

    /** x [..., in] -> [..., out]. bias may be null. */
    public static Tensor apply(Tensor x, Tensor weight, Tensor bias) {
        int out = weight.dim(0), in = weight.dim(1);
        Shapes.check("weight", weight, out, in);
        if (x.dim(-1) != in) {
            throw new IllegalArgumentException("x: expected last dimension " + in + " (in_features of weight " + weight + "), got " + x);
        }
        if (bias != null) Shapes.check("bias", bias, out);
        Tensor xc = x.contiguous();
        Tensor wc = weight.contiguous();
        int rows = xc.numel() / in;
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.zeros(shape);
        if (bias != null) {
            Tensor bc = bias.contiguous();
            for (int r = 0; r < rows; r++) System.arraycopy(bc.data(), bc.offset(), y.data(), r * out, out);
        }
        Gemm.sgemm(false, true, rows, out, in, 1f, xc.data(), xc.offset(), in, wc.data(), wc.offset(), in,
                bias == null ? 0f : 1f, y.data(), 0, out);
        return y;
    }

    /** One row, allocation-free: out[oo..oo+outF) = W x[xo..xo+in) + b. weight and bias must be contiguous. */
    public static void gemv(Tensor weight, Tensor bias, float[] x, int xo, float[] out, int oo) {
        int outF = weight.dim(0), in = weight.dim(1);
        float[] w = weight.data();
        int wo = weight.offset();
        VectorOps ops = VectorizationProvider.ops();
        for (int o = 0; o < outF; o++) {
            float s = ops.dot(w, wo + o * in, x, xo, in);
            out[oo + o] = bias == null ? s : s + bias.data()[bias.offset() + o];
        }
    }
}
