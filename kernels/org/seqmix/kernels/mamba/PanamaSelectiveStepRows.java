package org.seqmix.kernels.mamba;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.seqmix.kernels.PanamaLanes;

/**
 * {@link SelectiveStepRows} on {@code jdk.incubator.vector}. Mamba-1's N = 16 is one 16-lane vector per channel:
 * sixteen channels at a time, each updated in one FMA and multiplied by C, and their sixteen read-outs folded
 * together by the fixed tree of {@link PanamaLanes} into one vector of y (a horizontal sum per channel, four
 * dependent shuffles and adds, cost more than the channel's update). Other N: row by row, vectorised over N with
 * a fixed-order horizontal sum. Loaded by name only when the module is present.
 */
final class PanamaSelectiveStepRows implements SelectiveStepRows {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorMask<Float> M8 = PanamaLanes.BIT8, M4 = PanamaLanes.BIT4, M2 = PanamaLanes.BIT2, M1 = PanamaLanes.BIT1;
    private static final VectorShuffle<Float> X8 = PanamaLanes.XOR8, X4 = PanamaLanes.XOR4, X2 = PanamaLanes.XOR2, X1 = PanamaLanes.XOR1;

    @Override
    public String name() { return "panama (" + L + " floats)"; }

    @Override
    public void rows(float[] s, int so, int w, int n, float[] dA, float[] du, float[] b, int bo, float[] c, int co, float[] y, int yo) {
        int ch = 0;
        if (L == 16 && n == 16) {
            for (; ch + 16 <= w; ch += 16) sixteen(s, so + ch * n, dA, ch * n, du, ch, b, bo, c, co, y, yo + ch);
        }
        int bound = F.loopBound(n);
        for (; ch < w; ch++) {
            int r = so + ch * n, a = ch * n;
            FloatVector acc = FloatVector.zero(F), duv = FloatVector.broadcast(F, du[ch]);
            int k = 0;
            for (; k < bound; k += L) {
                FloatVector h = FloatVector.fromArray(F, b, bo + k).fma(duv, FloatVector.fromArray(F, dA, a + k).mul(FloatVector.fromArray(F, s, r + k)));
                h.intoArray(s, r + k);
                acc = h.fma(FloatVector.fromArray(F, c, co + k), acc);
            }
            if (L >= 16) acc = acc.add(acc.rearrange(PanamaLanes.ROT8));
            if (L >= 8) acc = acc.add(acc.rearrange(PanamaLanes.ROT4));
            acc = acc.add(acc.rearrange(PanamaLanes.ROT2));
            float sum = acc.add(acc.rearrange(PanamaLanes.ROT1)).lane(0);
            for (; k < n; k++) {
                float h = Math.fma(du[ch], b[bo + k], dA[a + k] * s[r + k]);
                s[r + k] = h;
                sum = Math.fma(h, c[co + k], sum);
            }
            y[yo + ch] = sum;
        }
    }

    /**
     * Sixteen channels of N = 16 (one vector each) from row {@code r} of s and {@code a} of dA: the updates in a
     * loop, then the rows read back (just stored: L1) times C and folded (no vector crosses a method call).
     */
    private static void sixteen(float[] s, int r, float[] dA, int a, float[] du, int d, float[] b, int bo, float[] c, int co,
                                float[] y, int yo) {
        FloatVector bv = FloatVector.fromArray(F, b, bo), cv = FloatVector.fromArray(F, c, co);
        for (int i = 0; i < 16; i++) {
            int x = 16 * i;
            bv.fma(FloatVector.broadcast(F, du[d + i]), FloatVector.fromArray(F, dA, a + x).mul(FloatVector.fromArray(F, s, r + x))).intoArray(s, r + x);
        }
        FloatVector p0 = FloatVector.fromArray(F, s, r).mul(cv), p1 = FloatVector.fromArray(F, s, r + 16).mul(cv);
        FloatVector p2 = FloatVector.fromArray(F, s, r + 32).mul(cv), p3 = FloatVector.fromArray(F, s, r + 48).mul(cv);
        FloatVector p4 = FloatVector.fromArray(F, s, r + 64).mul(cv), p5 = FloatVector.fromArray(F, s, r + 80).mul(cv);
        FloatVector p6 = FloatVector.fromArray(F, s, r + 96).mul(cv), p7 = FloatVector.fromArray(F, s, r + 112).mul(cv);
        FloatVector c0 = p0.blend(p1, M8).add(p1.blend(p0, M8).rearrange(X8));
        FloatVector c1 = p2.blend(p3, M8).add(p3.blend(p2, M8).rearrange(X8));
        FloatVector c2 = p4.blend(p5, M8).add(p5.blend(p4, M8).rearrange(X8));
        FloatVector c3 = p6.blend(p7, M8).add(p7.blend(p6, M8).rearrange(X8));
        FloatVector e0 = c0.blend(c1, M4).add(c1.blend(c0, M4).rearrange(X4));
        FloatVector e1 = c2.blend(c3, M4).add(c3.blend(c2, M4).rearrange(X4));
        FloatVector lo = e0.blend(e1, M2).add(e1.blend(e0, M2).rearrange(X2));
        p0 = FloatVector.fromArray(F, s, r + 128).mul(cv);
        p1 = FloatVector.fromArray(F, s, r + 144).mul(cv);
        p2 = FloatVector.fromArray(F, s, r + 160).mul(cv);
        p3 = FloatVector.fromArray(F, s, r + 176).mul(cv);
        p4 = FloatVector.fromArray(F, s, r + 192).mul(cv);
        p5 = FloatVector.fromArray(F, s, r + 208).mul(cv);
        p6 = FloatVector.fromArray(F, s, r + 224).mul(cv);
        p7 = FloatVector.fromArray(F, s, r + 240).mul(cv);
        c0 = p0.blend(p1, M8).add(p1.blend(p0, M8).rearrange(X8));
        c1 = p2.blend(p3, M8).add(p3.blend(p2, M8).rearrange(X8));
        c2 = p4.blend(p5, M8).add(p5.blend(p4, M8).rearrange(X8));
        c3 = p6.blend(p7, M8).add(p7.blend(p6, M8).rearrange(X8));
        e0 = c0.blend(c1, M4).add(c1.blend(c0, M4).rearrange(X4));
        e1 = c2.blend(c3, M4).add(c3.blend(c2, M4).rearrange(X4));
        FloatVector hi = e0.blend(e1, M2).add(e1.blend(e0, M2).rearrange(X2));
        lo.blend(hi, M1).add(hi.blend(lo, M1).rearrange(X1)).rearrange(PanamaLanes.BITREV).intoArray(y, yo);
    }
}
