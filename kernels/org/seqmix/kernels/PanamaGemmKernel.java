package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD micro-kernels, two tiles. Wide products (from {@link Gemm#PRE_BROADCAST_MIN_N} columns): 6 rows x 2 vectors
 * (6 x 16 on AVX2) with A packed pre-broadcast ({@link #aLanes}): twelve accumulators, two B loads and one A vector
 * per step, 15 of the 16 ymm registers; ~86 GFLOP/s per core from L1, ~58 from L2. Narrow products: A one copy per
 * value, a broadcast per A value, 4 rows x 2 vectors (14 live vectors): with 6 rows C2 hoisted the six broadcasts
 * (20 live) and kept accumulators on the stack, ~40 GFLOP/s per core; the 4-row tile runs as fast as the
 * pre-broadcast one from L1 and took 2-11% less time on products 32-96 columns wide (one-JVM A/B). Loaded by
 * reflection only when jdk.incubator.vector is present.
 */
final class PanamaGemmKernel implements GemmMicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;

    @Override public int mr() { return preBroadcast ? 6 : 4; }
    @Override public int nr() { return NR; }
    /** A packed pre-broadcast (vector loads), or one copy per value (scalar load + broadcast). */
    private final boolean preBroadcast;

    PanamaGemmKernel() {
        this(true);
    }

    private PanamaGemmKernel(boolean preBroadcast) {
        this.preBroadcast = preBroadcast;
    }

    /** The broadcast twin, made once: {@link Gemm} asks for it on every product with few columns. */
    private static final PanamaGemmKernel SINGLE_LANE = new PanamaGemmKernel(false);

    @Override public int aLanes() { return preBroadcast ? L : 1; }
    @Override public GemmMicroKernel singleLaneA() { return preBroadcast ? SINGLE_LANE : this; }
    @Override public String name() { return "panama " + mr() + "x" + NR; }

    @Override
    public void compute(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc) {
        // two methods, not one with a branch: when both forms are hot (a model runs wide and narrow products), C2
        // compiled both loops into one body and kept accumulators on the stack in each (a load, FMA and store per
        // step on the loop-carried chain). One-JVM A/B, a 512x4096x2048 and a 512x64x2048 product per call: 21-37%
        // (1 thread) and 24-26% (2 threads) less time; a wide product alone is unchanged.
        if (preBroadcast) vectorA(kc, ap, ao, bp, bo, alpha, beta, c, co, ldc);
        else scalarA(kc, ap, ao, bp, bo, alpha, beta, c, co, ldc);
    }

    /** A packed pre-broadcast: one vector load per A value. */
    private static void vectorA(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++, ao += 6 * L, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.fromArray(S, ap, ao);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.fromArray(S, ap, ao + 1 * L);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.fromArray(S, ap, ao + 2 * L);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.fromArray(S, ap, ao + 3 * L);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
            a = FloatVector.fromArray(S, ap, ao + 4 * L);
            c40 = b0.fma(a, c40); c41 = b1.fma(a, c41);
            a = FloatVector.fromArray(S, ap, ao + 5 * L);
            c50 = b0.fma(a, c50); c51 = b1.fma(a, c51);
        }
        // stores written out in both loop methods: a helper taking vectors is not always inlined (node-count and size
        // cut-offs), and then every accumulator is boxed (measured: 20x slower)
        int o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
        if (beta == 0f) {
            c00.mul(alpha).intoArray(c, co); c01.mul(alpha).intoArray(c, co + L);
            c10.mul(alpha).intoArray(c, o1); c11.mul(alpha).intoArray(c, o1 + L);
            c20.mul(alpha).intoArray(c, o2); c21.mul(alpha).intoArray(c, o2 + L);
            c30.mul(alpha).intoArray(c, o3); c31.mul(alpha).intoArray(c, o3 + L);
            c40.mul(alpha).intoArray(c, o4); c41.mul(alpha).intoArray(c, o4 + L);
            c50.mul(alpha).intoArray(c, o5); c51.mul(alpha).intoArray(c, o5 + L);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.fma(va, FloatVector.fromArray(S, c, co).mul(beta)).intoArray(c, co);
            c01.fma(va, FloatVector.fromArray(S, c, co + L).mul(beta)).intoArray(c, co + L);
            c10.fma(va, FloatVector.fromArray(S, c, o1).mul(beta)).intoArray(c, o1);
            c11.fma(va, FloatVector.fromArray(S, c, o1 + L).mul(beta)).intoArray(c, o1 + L);
            c20.fma(va, FloatVector.fromArray(S, c, o2).mul(beta)).intoArray(c, o2);
            c21.fma(va, FloatVector.fromArray(S, c, o2 + L).mul(beta)).intoArray(c, o2 + L);
            c30.fma(va, FloatVector.fromArray(S, c, o3).mul(beta)).intoArray(c, o3);
            c31.fma(va, FloatVector.fromArray(S, c, o3 + L).mul(beta)).intoArray(c, o3 + L);
            c40.fma(va, FloatVector.fromArray(S, c, o4).mul(beta)).intoArray(c, o4);
            c41.fma(va, FloatVector.fromArray(S, c, o4 + L).mul(beta)).intoArray(c, o4 + L);
            c50.fma(va, FloatVector.fromArray(S, c, o5).mul(beta)).intoArray(c, o5);
            c51.fma(va, FloatVector.fromArray(S, c, o5 + L).mul(beta)).intoArray(c, o5 + L);
        }
    }

    /**
     * A packed one copy per value: a broadcast per A value, 4 rows. With 6 rows C2 hoists the six broadcasts ahead of
     * the FMAs (20 live vectors for 16 registers) and keeps accumulators on the stack; 4 rows hold 14.
     */
    private static void scalarA(int kc, float[] ap, int ao, float[] bp, int bo, float alpha, float beta, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++, ao += 4, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ao]);
            c00 = b0.fma(a, c00); c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = b0.fma(a, c10); c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = b0.fma(a, c20); c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = b0.fma(a, c30); c31 = b1.fma(a, c31);
        }
        // stores written out (see vectorA)
        int o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
        if (beta == 0f) {
            c00.mul(alpha).intoArray(c, co); c01.mul(alpha).intoArray(c, co + L);
            c10.mul(alpha).intoArray(c, o1); c11.mul(alpha).intoArray(c, o1 + L);
            c20.mul(alpha).intoArray(c, o2); c21.mul(alpha).intoArray(c, o2 + L);
            c30.mul(alpha).intoArray(c, o3); c31.mul(alpha).intoArray(c, o3 + L);
        } else {
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00.fma(va, FloatVector.fromArray(S, c, co).mul(beta)).intoArray(c, co);
            c01.fma(va, FloatVector.fromArray(S, c, co + L).mul(beta)).intoArray(c, co + L);
            c10.fma(va, FloatVector.fromArray(S, c, o1).mul(beta)).intoArray(c, o1);
            c11.fma(va, FloatVector.fromArray(S, c, o1 + L).mul(beta)).intoArray(c, o1 + L);
            c20.fma(va, FloatVector.fromArray(S, c, o2).mul(beta)).intoArray(c, o2);
            c21.fma(va, FloatVector.fromArray(S, c, o2 + L).mul(beta)).intoArray(c, o2 + L);
            c30.fma(va, FloatVector.fromArray(S, c, o3).mul(beta)).intoArray(c, o3);
            c31.fma(va, FloatVector.fromArray(S, c, o3 + L).mul(beta)).intoArray(c, o3 + L);
        }
    }
}
