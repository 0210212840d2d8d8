package org.seqmix.layers;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorizationProvider;

/** Head plumbing shared by the linear-attention layers: fla's kv-head repeat and the step-input checks. */
final class LinearAttentionHeads {
    private LinearAttentionHeads() {}

    /** [B, T, HKV*d] -> [B, T, H, d], query head h reading kv head h / (H / HKV) (fla's repeat '(h d) -> (h g) d'). */
    static Tensor repeatKv(Tensor t, int B, int T, int HKV, int H, int d) {
        if (HKV == H) return t.reshape(B, T, H, d);
        int G = H / HKV;
        Tensor out = Tensor.zeros(B, T, H, d);
        float[] s = t.data(), o = out.data();
        for (int bt = 0; bt < B * T; bt++) {
            for (int h = 0; h < H; h++) System.arraycopy(s, t.offset() + (bt * HKV + h / G) * d, o, (bt * H + h) * d, d);
        }
        return out;
    }

    /** Copies kv-head rows of one token into the query-head layout, without allocating. */
    static void repeatRow(float[] kv, float[] out, int outOff, int HKV, int H, int d) {
        int G = H / HKV;
        for (int h = 0; h < H; h++) System.arraycopy(kv, (h / G) * d, out, outOff + h * d, d);
    }

    /** x [B, hidden] and y [B, hidden] contiguous, finite x; allocation-free unless it fails. */
    static void checkStep(Tensor x, Tensor y, int hidden) {
        // explicit ifs: the messages are built only on failure (the step path allocates nothing)
        if (x == null || x.rank() != 2 || x.dim(1) != hidden || x.dim(0) <= 0 || !x.isContiguous()) {
            throw new IllegalArgumentException("x: expected a contiguous [B, " + hidden + "] (B, hidden), got " + shape(x));
        }
        int B = x.dim(0);
        if (y == null || y.rank() != 2 || y.dim(0) != B || y.dim(1) != hidden || !y.isContiguous()) {
            throw new IllegalArgumentException("y: expected a contiguous [" + B + ", " + hidden + "] (B, hidden), got " + shape(y));
        }
        float[] xd = x.data();
        if (VectorizationProvider.ops().allWithin(xd, x.offset(), B * hidden, -Float.MAX_VALUE, Float.MAX_VALUE)) return;
        for (int i = 0, n = B * hidden; i < n; i++) {
            if (!Float.isFinite(xd[x.offset() + i])) throw new IllegalArgumentException("x: expected finite values, got " + xd[x.offset() + i]);
        }
    }

    private static String shape(Tensor t) {
        return t == null ? "null" : java.util.Arrays.toString(t.shape()) + (t.isContiguous() ? "" : " (not contiguous)");
    }

    /** Number from a config map, or dflt (NaN = required). */
    static Number num(String layer, java.util.Map<String, Object> m, String key, double dflt) {
        Object o = m.get(key);
        if (o == null) {
            Shapes.require(!Double.isNaN(dflt), layer + " config: missing '" + key + "'");
            return dflt;
        }
        Shapes.require(o instanceof Number, layer + " config: '" + key + "' must be a number, got " + o);
        return (Number) o;
    }

    static boolean bool(String layer, java.util.Map<String, Object> m, String key, boolean dflt) {
        Object o = m.get(key);
        if (o == null) return dflt;
        Shapes.require(o instanceof Boolean, layer + " config: '" + key + "' must be true/false, got " + o);
        return (Boolean) o;
    }
}
