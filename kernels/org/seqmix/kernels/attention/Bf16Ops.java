package org.seqmix.kernels.attention;

import org.seqmix.kernels.VectorizationProvider;

/**
 * Fused kernels on bfloat16 rows (the upper 16 bits of a float32), dequantised on the fly, for the bf16 KV
 * cache: half the bytes streamed per decode step. A scalar floor and a Panama implementation, the latter loaded
 * by name only when {@code jdk.incubator.vector} is present.
 */
interface Bf16Ops {
    /** sum_i q[qo+i] * bf16(k[ko+i]). */
    float dot(float[] q, int qo, short[] k, int ko, int n);

    /** y[yo+i] += alpha * bf16(x[xo+i]). */
    void axpy(float alpha, short[] x, int xo, float[] y, int yo, int n);

    /** The active implementation. */
    static Bf16Ops get() {
        return Holder.OPS;
    }

    /** Round to nearest even; NaN stays NaN. */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) 0x7FC0;
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    static float toFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    final class Holder {
        static final Bf16Ops OPS = choose();

        private Holder() {}

        private static Bf16Ops choose() {
            if (VectorizationProvider.vectorModulePresent() && !"scalar".equals(System.getProperty("seqmix.vectorization"))) {
                try {
                    return (Bf16Ops) Class.forName("org.seqmix.kernels.attention.PanamaBf16Ops").getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException | LinkageError e) {
                    return new ScalarBf16Ops();
                }
            }
            return new ScalarBf16Ops();
        }
    }
}
