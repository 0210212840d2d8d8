package org.seqmix.kernels;

/**
 * Per-thread float arrays in numbered slots, grown on demand and never shrunk, so a kernel's work item allocates
 * nothing once its thread has seen the size. The contents are whatever the thread's previous use left: a caller
 * writes every element before it reads it, so results never depend on which thread ran an item.
 */
public final class ThreadScratch {
    private final ThreadLocal<float[][]> slots;

    public ThreadScratch(int count) {
        slots = ThreadLocal.withInitial(() -> new float[count][0]);
    }

    /** The calling thread's array in {@code slot}, at least {@code floats} long. */
    public float[] get(int slot, int floats) {
        float[][] s = slots.get();
        if (s[slot].length < floats) s[slot] = new float[floats];
        return s[slot];
    }
}
