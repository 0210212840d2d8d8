package org.seqmix.core;

import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/** Seeded, reproducible random tensors for weights, demos, tests and benchmarks (Commons Math's Well19937c). */
public final class Rng {
    private final RandomGenerator gen;

    public Rng(long seed) {
        this.gen = new Well19937c(seed);
    }

    /** N(0, std^2) entries. */
    public Tensor normal(float std, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (gen.nextGaussian() * std);
        return t;
    }

    /** U(lo, hi) entries. */
    public Tensor uniform(float lo, float hi, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * gen.nextDouble());
        return t;
    }

    /** PyTorch-style default Linear init: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), weight [out, in]. */
    public Tensor linear(int out, int in) {
        float b = (float) (1.0 / Math.sqrt(in));
        return uniform(-b, b, out, in);
    }

    public double nextDouble() {
        return gen.nextDouble();
    }

    public int nextInt(int bound) {
        return gen.nextInt(bound);
    }
}
