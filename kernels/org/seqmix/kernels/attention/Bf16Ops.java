package org.seqmix.kernels.attention;

/**
 * bfloat16 (the upper 16 bits of a float32) conversions for the bf16 KV cache: entries are rounded once when
 * appended and widened in the decode kernels ({@link DecodeKernel}), so a step streams half the bytes.
 */
final class Bf16Ops {
    private Bf16Ops() {}

    /** Round to nearest even; NaN stays NaN. */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) 0x7FC0;
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    static float toFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }
}
