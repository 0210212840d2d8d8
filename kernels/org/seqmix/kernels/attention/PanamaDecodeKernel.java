package org.seqmix.kernels.attention;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.seqmix.kernels.PanamaLanes;

/**
 * {@link DecodeKernel} on {@code jdk.incubator.vector}. Scores: with 16-lane vectors, blocks of 16 keys (f32: one
 * accumulator per key, q loaded once per column block; bf16: two passes of 8 keys with even/odd accumulators, so
 * 16 FMA chains stay independent) reduced together by a fixed tree of blends and lane swaps into one vector of 16
 * scores (4 vector ops per key pair and level instead of a horizontal sum per key); otherwise (8-lane AVX2
 * vectors included) one key at a time, its row read front to back in two FMA chains. Values: o for 8 vectors of
 * the head dim in registers while the rows stream by. bf16 entries are
 * read 2L at a time as L ints: {@code int << 16} is the even entry, {@code int & 0xFFFF0000} the odd one, so q
 * and o are kept in that even/odd order (see {@link DecodeKernel#toKernelOrder}). Hot loops are written out in one
 * method body each (no vector arguments to calls C2 might not inline); tails are scalar. Loaded by name only.
 */
final class PanamaDecodeKernel implements DecodeKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final int HI = 0xFFFF0000;
    // the fixed fold of 16 vectors into one (see PanamaLanes)
    private static final VectorMask<Float> M8 = PanamaLanes.BIT8, M4 = PanamaLanes.BIT4, M2 = PanamaLanes.BIT2, M1 = PanamaLanes.BIT1;
    private static final VectorShuffle<Float> X8 = PanamaLanes.XOR8, X4 = PanamaLanes.XOR4, X2 = PanamaLanes.XOR2, X1 = PanamaLanes.XOR1;
    private static final VectorShuffle<Float> BITREV = PanamaLanes.BITREV;

    @Override
    public void scores(float[] q, int qo, float[] k, int ko, int n, int d, float[] s, int so) {
        int bound = F.loopBound(d), j = 0;
        FloatVector z = FloatVector.zero(F);
        if (L == 16) {
            for (; j + 16 <= n; j += 16) {
                int r = ko + j * d;
                FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
                for (int x = 0; x < bound; x += L) {
                    FloatVector qv = FloatVector.fromArray(F, q, qo + x);
                    a0 = FloatVector.fromArray(F, k, r + x).fma(qv, a0);
                    a1 = FloatVector.fromArray(F, k, r + 1 * d + x).fma(qv, a1);
                    a2 = FloatVector.fromArray(F, k, r + 2 * d + x).fma(qv, a2);
                    a3 = FloatVector.fromArray(F, k, r + 3 * d + x).fma(qv, a3);
                    a4 = FloatVector.fromArray(F, k, r + 4 * d + x).fma(qv, a4);
                    a5 = FloatVector.fromArray(F, k, r + 5 * d + x).fma(qv, a5);
                    a6 = FloatVector.fromArray(F, k, r + 6 * d + x).fma(qv, a6);
                    a7 = FloatVector.fromArray(F, k, r + 7 * d + x).fma(qv, a7);
                    a8 = FloatVector.fromArray(F, k, r + 8 * d + x).fma(qv, a8);
                    a9 = FloatVector.fromArray(F, k, r + 9 * d + x).fma(qv, a9);
                    a10 = FloatVector.fromArray(F, k, r + 10 * d + x).fma(qv, a10);
                    a11 = FloatVector.fromArray(F, k, r + 11 * d + x).fma(qv, a11);
                    a12 = FloatVector.fromArray(F, k, r + 12 * d + x).fma(qv, a12);
                    a13 = FloatVector.fromArray(F, k, r + 13 * d + x).fma(qv, a13);
                    a14 = FloatVector.fromArray(F, k, r + 14 * d + x).fma(qv, a14);
                    a15 = FloatVector.fromArray(F, k, r + 15 * d + x).fma(qv, a15);
                }
                // fixed-order tree: level w pairs lanes l and l^w, keeping one key per half; lane l ends with key bitrev(l)
                FloatVector c0 = a0.blend(a1, M8).add(a1.blend(a0, M8).rearrange(X8));
                FloatVector c1 = a2.blend(a3, M8).add(a3.blend(a2, M8).rearrange(X8));
                FloatVector c2 = a4.blend(a5, M8).add(a5.blend(a4, M8).rearrange(X8));
                FloatVector c3 = a6.blend(a7, M8).add(a7.blend(a6, M8).rearrange(X8));
                FloatVector c4 = a8.blend(a9, M8).add(a9.blend(a8, M8).rearrange(X8));
                FloatVector c5 = a10.blend(a11, M8).add(a11.blend(a10, M8).rearrange(X8));
                FloatVector c6 = a12.blend(a13, M8).add(a13.blend(a12, M8).rearrange(X8));
                FloatVector c7 = a14.blend(a15, M8).add(a15.blend(a14, M8).rearrange(X8));
                FloatVector e0 = c0.blend(c1, M4).add(c1.blend(c0, M4).rearrange(X4));
                FloatVector e1 = c2.blend(c3, M4).add(c3.blend(c2, M4).rearrange(X4));
                FloatVector e2 = c4.blend(c5, M4).add(c5.blend(c4, M4).rearrange(X4));
                FloatVector e3 = c6.blend(c7, M4).add(c7.blend(c6, M4).rearrange(X4));
                FloatVector g0 = e0.blend(e1, M2).add(e1.blend(e0, M2).rearrange(X2));
                FloatVector g1 = e2.blend(e3, M2).add(e3.blend(e2, M2).rearrange(X2));
                g0.blend(g1, M1).add(g1.blend(g0, M1).rearrange(X1)).rearrange(BITREV).intoArray(s, so + j);
                for (int t = 0; t < 16 && bound < d; t++) {
                    float acc = 0;
                    for (int x = bound, rt = r + t * d; x < d; x++) acc += q[qo + x] * k[rt + x];
                    s[so + j + t] += acc;
                }
            }
        }
        // one key at a time, its row read front to back (two FMA chains; the out-of-order core overlaps keys):
        // reading 8 rows side by side, 32 bytes of each in turn, streamed K from memory at half this rate on Zen 3
        for (; j < n; j++) {
            int r = ko + j * d, x = 0;
            FloatVector acc = z, odd = z;
            for (; x + 2 * L <= bound; x += 2 * L) {
                acc = FloatVector.fromArray(F, k, r + x).fma(FloatVector.fromArray(F, q, qo + x), acc);
                odd = FloatVector.fromArray(F, k, r + x + L).fma(FloatVector.fromArray(F, q, qo + x + L), odd);
            }
            if (x < bound) acc = FloatVector.fromArray(F, k, r + x).fma(FloatVector.fromArray(F, q, qo + x), acc);
            acc = acc.add(odd);
            if (L >= 16) acc = acc.add(acc.rearrange(PanamaLanes.ROT8));
            if (L >= 8) acc = acc.add(acc.rearrange(PanamaLanes.ROT4));
            if (L >= 4) acc = acc.add(acc.rearrange(PanamaLanes.ROT2));
            float sum = acc.add(acc.rearrange(PanamaLanes.ROT1)).lane(0);
            for (x = bound; x < d; x++) sum += q[qo + x] * k[r + x];
            s[so + j] = sum;
        }
    }

    @Override
    public void scoresBf16(float[] q, int qo, short[] k, int ko, int n, int d, float[] s, int so) {
        int bound = d - d % (2 * L), j = 0;
        FloatVector z = FloatVector.zero(F);
        if (L == 16) {
            for (; j + 16 <= n; j += 16) {
                int r = ko + j * d;
                // two passes of 8 keys in their own method (one body with both passed C2's inlining node budget and
                // the vector intrinsics fell back to boxed Java code), each with separate even/odd accumulators
                // (16 independent FMA chains); the first leaves its half of the sum tree in s, the second finishes it
                keys8(q, qo, k, r, d, bound, s, so + j, false);
                keys8(q, qo, k, r + 8 * d, d, bound, s, so + j, true);
                for (int t = 0; t < 16 && bound < d; t++) {
                    float acc = 0;
                    for (int x = bound, rt = r + t * d; x < d; x++) acc += q[qo + x] * Bf16Ops.toFloat(k[rt + x]);
                    s[so + j + t] += acc;
                }
            }
        }
        // one key at a time, as scores(): even entries in one chain, odd in another
        for (; j < n; j++) {
            int r = ko + j * d;
            FloatVector acc = z, odd = z;
            for (int x = 0; x < bound; x += 2 * L) {
                IntVector w = ShortVector.fromArray(S, k, r + x).reinterpretAsInts();
                acc = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, q, qo + x), acc);
                odd = w.and(HI).reinterpretAsFloats().fma(FloatVector.fromArray(F, q, qo + x + L), odd);
            }
            acc = acc.add(odd);
            if (L >= 16) acc = acc.add(acc.rearrange(PanamaLanes.ROT8));
            if (L >= 8) acc = acc.add(acc.rearrange(PanamaLanes.ROT4));
            if (L >= 4) acc = acc.add(acc.rearrange(PanamaLanes.ROT2));
            float sum = acc.add(acc.rearrange(PanamaLanes.ROT1)).lane(0);
            for (int x = bound; x < d; x++) sum += q[qo + x] * Bf16Ops.toFloat(k[r + x]);
            s[so + j] = sum;
        }
    }

    @Override
    public void scoresHeads(float[] q, int qo, int heads, float[] k, int ko, int n, int d, float[] s, int so, int ss) {
        int h = 0;
        // 16-lane vectors score keys in blocks (another summation order): there every head goes through scores()
        for (; L != 16 && h + 4 <= heads; h += 4) keys4Heads(q, qo + h * d, k, ko, n, d, s, so + h * ss, ss);
        for (; h < heads; h++) scores(q, qo + h * d, k, ko, n, d, s, so + h * ss);
    }

    @Override
    public void scoresBf16Heads(float[] q, int qo, int heads, short[] k, int ko, int n, int d, float[] s, int so, int ss) {
        int h = 0;
        for (; L != 16 && h + 4 <= heads; h += 4) keys4HeadsBf16(q, qo + h * d, k, ko, n, d, s, so + h * ss, ss);
        for (; h < heads; h++) scoresBf16(q, qo + h * d, k, ko, n, d, s, so + h * ss);
    }

    /**
     * Four query heads (q at qo, qo + d, ..) against n rows, each row loaded once for the four: per head the same
     * two chains, lane sum and scalar tail as the one-key loop of {@link #scores}, so the same bits.
     */
    private static void keys4Heads(float[] q, int qo, float[] k, int ko, int n, int d, float[] s, int so, int ss) {
        int bound = F.loopBound(d), q1 = qo + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector z = FloatVector.zero(F);
        for (int j = 0; j < n; j++) {
            int r = ko + j * d, x = 0;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
            for (; x + 2 * L <= bound; x += 2 * L) {
                FloatVector e = FloatVector.fromArray(F, k, r + x), o = FloatVector.fromArray(F, k, r + x + L);
                a0 = e.fma(FloatVector.fromArray(F, q, qo + x), a0);
                b0 = o.fma(FloatVector.fromArray(F, q, qo + x + L), b0);
                a1 = e.fma(FloatVector.fromArray(F, q, q1 + x), a1);
                b1 = o.fma(FloatVector.fromArray(F, q, q1 + x + L), b1);
                a2 = e.fma(FloatVector.fromArray(F, q, q2 + x), a2);
                b2 = o.fma(FloatVector.fromArray(F, q, q2 + x + L), b2);
                a3 = e.fma(FloatVector.fromArray(F, q, q3 + x), a3);
                b3 = o.fma(FloatVector.fromArray(F, q, q3 + x + L), b3);
            }
            if (x < bound) {
                FloatVector e = FloatVector.fromArray(F, k, r + x);
                a0 = e.fma(FloatVector.fromArray(F, q, qo + x), a0);
                a1 = e.fma(FloatVector.fromArray(F, q, q1 + x), a1);
                a2 = e.fma(FloatVector.fromArray(F, q, q2 + x), a2);
                a3 = e.fma(FloatVector.fromArray(F, q, q3 + x), a3);
            }
            float t0 = laneSum(a0.add(b0)), t1 = laneSum(a1.add(b1)), t2 = laneSum(a2.add(b2)), t3 = laneSum(a3.add(b3));
            for (x = bound; x < d; x++) {
                float kx = k[r + x];
                t0 += q[qo + x] * kx;
                t1 += q[q1 + x] * kx;
                t2 += q[q2 + x] * kx;
                t3 += q[q3 + x] * kx;
            }
            s[so + j] = t0;
            s[so + ss + j] = t1;
            s[so + 2 * ss + j] = t2;
            s[so + 3 * ss + j] = t3;
        }
    }

    /** {@link #keys4Heads} on bf16 rows, as the one-key loop of {@link #scoresBf16}: each row widened once for four heads. */
    private static void keys4HeadsBf16(float[] q, int qo, short[] k, int ko, int n, int d, float[] s, int so, int ss) {
        int bound = d - d % (2 * L), q1 = qo + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector z = FloatVector.zero(F);
        for (int j = 0; j < n; j++) {
            int r = ko + j * d;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
            for (int x = 0; x < bound; x += 2 * L) {
                IntVector w = ShortVector.fromArray(S, k, r + x).reinterpretAsInts();
                FloatVector e = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o = w.and(HI).reinterpretAsFloats();
                a0 = e.fma(FloatVector.fromArray(F, q, qo + x), a0);
                b0 = o.fma(FloatVector.fromArray(F, q, qo + x + L), b0);
                a1 = e.fma(FloatVector.fromArray(F, q, q1 + x), a1);
                b1 = o.fma(FloatVector.fromArray(F, q, q1 + x + L), b1);
                a2 = e.fma(FloatVector.fromArray(F, q, q2 + x), a2);
                b2 = o.fma(FloatVector.fromArray(F, q, q2 + x + L), b2);
                a3 = e.fma(FloatVector.fromArray(F, q, q3 + x), a3);
                b3 = o.fma(FloatVector.fromArray(F, q, q3 + x + L), b3);
            }
            float t0 = laneSum(a0.add(b0)), t1 = laneSum(a1.add(b1)), t2 = laneSum(a2.add(b2)), t3 = laneSum(a3.add(b3));
            for (int x = bound; x < d; x++) {
                float kx = Bf16Ops.toFloat(k[r + x]);
                t0 += q[qo + x] * kx;
                t1 += q[q1 + x] * kx;
                t2 += q[q2 + x] * kx;
                t3 += q[q3 + x] * kx;
            }
            s[so + j] = t0;
            s[so + ss + j] = t1;
            s[so + 2 * ss + j] = t2;
            s[so + 3 * ss + j] = t3;
        }
    }

    /** The one-key loops' fixed lane-sum tree (small: C2 inlines it; the A/B against per-head calls shows no boxing). */
    private static float laneSum(FloatVector acc) {
        if (L >= 16) acc = acc.add(acc.rearrange(PanamaLanes.ROT8));
        if (L >= 8) acc = acc.add(acc.rearrange(PanamaLanes.ROT4));
        if (L >= 4) acc = acc.add(acc.rearrange(PanamaLanes.ROT2));
        return acc.add(acc.rearrange(PanamaLanes.ROT1)).lane(0);
    }

    /**
     * Eight keys at rows r, r + d, ..: their dot products with q folded by the fixed tree to one vector (two lanes
     * per key). The first call stores it at s[sp]; the second (keys 8..15) loads it, folds in its own and writes
     * the 16 scores in key order.
     */
    private static void keys8(float[] q, int qo, short[] k, int r, int d, int bound, float[] s, int sp, boolean second) {
        FloatVector z = FloatVector.zero(F);
        FloatVector e0 = z, d0 = z, e1 = z, d1 = z, e2 = z, d2 = z, e3 = z, d3 = z, e4 = z, d4 = z, e5 = z, d5 = z, e6 = z, d6 = z, e7 = z, d7 = z;
        for (int x = 0; x < bound; x += 2 * L) {
            FloatVector qe = FloatVector.fromArray(F, q, qo + x), qd = FloatVector.fromArray(F, q, qo + x + L);
            IntVector w;
            w = ShortVector.fromArray(S, k, r + x).reinterpretAsInts();
            e0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e0);
            d0 = w.and(HI).reinterpretAsFloats().fma(qd, d0);
            w = ShortVector.fromArray(S, k, r + 1 * d + x).reinterpretAsInts();
            e1 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e1);
            d1 = w.and(HI).reinterpretAsFloats().fma(qd, d1);
            w = ShortVector.fromArray(S, k, r + 2 * d + x).reinterpretAsInts();
            e2 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e2);
            d2 = w.and(HI).reinterpretAsFloats().fma(qd, d2);
            w = ShortVector.fromArray(S, k, r + 3 * d + x).reinterpretAsInts();
            e3 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e3);
            d3 = w.and(HI).reinterpretAsFloats().fma(qd, d3);
            w = ShortVector.fromArray(S, k, r + 4 * d + x).reinterpretAsInts();
            e4 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e4);
            d4 = w.and(HI).reinterpretAsFloats().fma(qd, d4);
            w = ShortVector.fromArray(S, k, r + 5 * d + x).reinterpretAsInts();
            e5 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e5);
            d5 = w.and(HI).reinterpretAsFloats().fma(qd, d5);
            w = ShortVector.fromArray(S, k, r + 6 * d + x).reinterpretAsInts();
            e6 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e6);
            d6 = w.and(HI).reinterpretAsFloats().fma(qd, d6);
            w = ShortVector.fromArray(S, k, r + 7 * d + x).reinterpretAsInts();
            e7 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(qe, e7);
            d7 = w.and(HI).reinterpretAsFloats().fma(qd, d7);
        }
        FloatVector a0 = e0.add(d0), a1 = e1.add(d1), a2 = e2.add(d2), a3 = e3.add(d3), a4 = e4.add(d4), a5 = e5.add(d5), a6 = e6.add(d6), a7 = e7.add(d7);
        FloatVector c0 = a0.blend(a1, M8).add(a1.blend(a0, M8).rearrange(X8));
        FloatVector c1 = a2.blend(a3, M8).add(a3.blend(a2, M8).rearrange(X8));
        FloatVector c2 = a4.blend(a5, M8).add(a5.blend(a4, M8).rearrange(X8));
        FloatVector c3 = a6.blend(a7, M8).add(a7.blend(a6, M8).rearrange(X8));
        FloatVector h0 = c0.blend(c1, M4).add(c1.blend(c0, M4).rearrange(X4));
        FloatVector h1 = c2.blend(c3, M4).add(c3.blend(c2, M4).rearrange(X4));
        FloatVector g = h0.blend(h1, M2).add(h1.blend(h0, M2).rearrange(X2));
        if (!second) {
            g.intoArray(s, sp);
        } else {
            FloatVector g0 = FloatVector.fromArray(F, s, sp);
            g0.blend(g, M1).add(g.blend(g0, M1).rearrange(X1)).rearrange(BITREV).intoArray(s, sp);
        }
    }

    /**
     * Keys per block of the values pass: with 8-lane vectors o's 8 registers cover 64 of D = 128 columns, so each
     * block of rows is walked once per 64 columns while it is still in L1 (16 KiB of bf16), not the whole segment
     * (which then came back from L3 or memory for the second half of the columns).
     */
    private static final int VALUE_ROWS = 64;

    @Override
    public void values(float[] p, int po, int n, float[] v, int vo, int d, float[] o, int oo) {
        for (int j = 0; j < n; j += VALUE_ROWS) valueRows(p, po + j, Math.min(VALUE_ROWS, n - j), v, vo + j * d, d, o, oo);
    }

    @Override
    public void valuesBf16(float[] p, int po, int n, short[] v, int vo, int d, float[] o, int oo) {
        for (int j = 0; j < n; j += VALUE_ROWS) valueRowsBf16(p, po + j, Math.min(VALUE_ROWS, n - j), v, vo + j * d, d, o, oo);
    }

    private static void valueRows(float[] p, int po, int n, float[] v, int vo, int d, float[] o, int oo) {
        int c = 0;
        for (; c + 8 * L <= d; c += 8 * L) {
            FloatVector o0 = FloatVector.fromArray(F, o, oo + c), o1 = FloatVector.fromArray(F, o, oo + c + L);
            FloatVector o2 = FloatVector.fromArray(F, o, oo + c + 2 * L), o3 = FloatVector.fromArray(F, o, oo + c + 3 * L);
            FloatVector o4 = FloatVector.fromArray(F, o, oo + c + 4 * L), o5 = FloatVector.fromArray(F, o, oo + c + 5 * L);
            FloatVector o6 = FloatVector.fromArray(F, o, oo + c + 6 * L), o7 = FloatVector.fromArray(F, o, oo + c + 7 * L);
            for (int j = 0, r = vo + c; j < n; j++, r += d) {
                FloatVector pj = FloatVector.broadcast(F, p[po + j]);
                o0 = FloatVector.fromArray(F, v, r).fma(pj, o0);
                o1 = FloatVector.fromArray(F, v, r + L).fma(pj, o1);
                o2 = FloatVector.fromArray(F, v, r + 2 * L).fma(pj, o2);
                o3 = FloatVector.fromArray(F, v, r + 3 * L).fma(pj, o3);
                o4 = FloatVector.fromArray(F, v, r + 4 * L).fma(pj, o4);
                o5 = FloatVector.fromArray(F, v, r + 5 * L).fma(pj, o5);
                o6 = FloatVector.fromArray(F, v, r + 6 * L).fma(pj, o6);
                o7 = FloatVector.fromArray(F, v, r + 7 * L).fma(pj, o7);
            }
            o0.intoArray(o, oo + c);
            o1.intoArray(o, oo + c + L);
            o2.intoArray(o, oo + c + 2 * L);
            o3.intoArray(o, oo + c + 3 * L);
            o4.intoArray(o, oo + c + 4 * L);
            o5.intoArray(o, oo + c + 5 * L);
            o6.intoArray(o, oo + c + 6 * L);
            o7.intoArray(o, oo + c + 7 * L);
        }
        for (; c + L <= d; c += L) {
            FloatVector o0 = FloatVector.fromArray(F, o, oo + c);
            for (int j = 0, r = vo + c; j < n; j++, r += d) o0 = FloatVector.fromArray(F, v, r).fma(FloatVector.broadcast(F, p[po + j]), o0);
            o0.intoArray(o, oo + c);
        }
        for (; c < d; c++) {
            float acc = o[oo + c];
            for (int j = 0, r = vo + c; j < n; j++, r += d) acc += p[po + j] * v[r];
            o[oo + c] = acc;
        }
    }

    private static void valueRowsBf16(float[] p, int po, int n, short[] v, int vo, int d, float[] o, int oo) {
        int c = 0;
        for (; c + 8 * L <= d; c += 8 * L) {
            FloatVector o0 = FloatVector.fromArray(F, o, oo + c), o1 = FloatVector.fromArray(F, o, oo + c + L);
            FloatVector o2 = FloatVector.fromArray(F, o, oo + c + 2 * L), o3 = FloatVector.fromArray(F, o, oo + c + 3 * L);
            FloatVector o4 = FloatVector.fromArray(F, o, oo + c + 4 * L), o5 = FloatVector.fromArray(F, o, oo + c + 5 * L);
            FloatVector o6 = FloatVector.fromArray(F, o, oo + c + 6 * L), o7 = FloatVector.fromArray(F, o, oo + c + 7 * L);
            for (int j = 0, r = vo + c; j < n; j++, r += d) {
                FloatVector pj = FloatVector.broadcast(F, p[po + j]);
                IntVector w = ShortVector.fromArray(S, v, r).reinterpretAsInts();
                o0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pj, o0);
                o1 = w.and(HI).reinterpretAsFloats().fma(pj, o1);
                w = ShortVector.fromArray(S, v, r + 2 * L).reinterpretAsInts();
                o2 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pj, o2);
                o3 = w.and(HI).reinterpretAsFloats().fma(pj, o3);
                w = ShortVector.fromArray(S, v, r + 4 * L).reinterpretAsInts();
                o4 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pj, o4);
                o5 = w.and(HI).reinterpretAsFloats().fma(pj, o5);
                w = ShortVector.fromArray(S, v, r + 6 * L).reinterpretAsInts();
                o6 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pj, o6);
                o7 = w.and(HI).reinterpretAsFloats().fma(pj, o7);
            }
            o0.intoArray(o, oo + c);
            o1.intoArray(o, oo + c + L);
            o2.intoArray(o, oo + c + 2 * L);
            o3.intoArray(o, oo + c + 3 * L);
            o4.intoArray(o, oo + c + 4 * L);
            o5.intoArray(o, oo + c + 5 * L);
            o6.intoArray(o, oo + c + 6 * L);
            o7.intoArray(o, oo + c + 7 * L);
        }
        for (; c + 2 * L <= d; c += 2 * L) {
            FloatVector o0 = FloatVector.fromArray(F, o, oo + c), o1 = FloatVector.fromArray(F, o, oo + c + L);
            for (int j = 0, r = vo + c; j < n; j++, r += d) {
                FloatVector pj = FloatVector.broadcast(F, p[po + j]);
                IntVector w = ShortVector.fromArray(S, v, r).reinterpretAsInts();
                o0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pj, o0);
                o1 = w.and(HI).reinterpretAsFloats().fma(pj, o1);
            }
            o0.intoArray(o, oo + c);
            o1.intoArray(o, oo + c + L);
        }
        for (; c < d; c++) {
            float acc = o[oo + c];
            for (int j = 0, r = vo + c; j < n; j++, r += d) acc += p[po + j] * Bf16Ops.toFloat(v[r]);
            o[oo + c] = acc;
        }
    }

    /** Position of head-dim entry x in kernel order: in each block of 2L, even entries first, then odd ones. */
    private static int position(int x, int d) {
        int g = 2 * L;
        if (x >= d - d % g) return x;
        int r = x % g;
        return x - r + (r & 1) * L + (r >> 1);
    }

    @Override
    public void toKernelOrder(float[] x, int xo, float[] out, int oo, int d, boolean bf16) {
        if (!bf16) {
            System.arraycopy(x, xo, out, oo, d);
            return;
        }
        for (int i = 0; i < d; i++) out[oo + position(i, d)] = x[xo + i];
    }

    @Override
    public void fromKernelOrder(float[] x, int xo, float[] out, int oo, int d, boolean bf16) {
        if (!bf16) {
            System.arraycopy(x, xo, out, oo, d);
            return;
        }
        for (int i = 0; i < d; i++) out[oo + i] = x[xo + position(i, d)];
    }
}
