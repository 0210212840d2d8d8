package org.seqmix.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorOps} on {@code jdk.incubator.vector} with the preferred species (8 floats on AVX2). Loaded only by
 * reflection from {@link VectorizationProvider} when the module is present, so the jar runs without it.
 * Vector loops with scalar tails; reductions use several accumulators to hide FMA latency. Transcendentals use
 * our own polynomials ({@link #expV}, Cephes' log1p in {@link #softplus}) so results do not depend on SVML availability. Each
 * method has one call site of a transcendental helper and scalar tails: a second (masked-tail) call site made C2
 * give up inlining it, and the vectors passed to the out-of-line call were boxed on every call.
 */
final class PanamaVectorOps implements VectorOps {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    // exp: x = n ln2 + r with ln2 split (Cody-Waite) so n*LN2_HI is exact for |n| <= 2^9
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float EXP_HI = 88.72283935546875f;   // above: +Inf
    private static final float EXP_LO = -87.33654475f;       // below: 0 (result would be subnormal)
    private static final float ROUND = 12582912f;             // 1.5 * 2^23: adding it rounds to an integer

    private static FloatVector bc(float v) { return FloatVector.broadcast(S, v); }

    @Override public String name() { return "panama (" + S.vectorBitSize() + "-bit, " + L + " floats)"; }
    @Override public int lanes() { return L; }

    /** Vector exp: Cephes-style minimax polynomial of degree 7 in r, |r| <= ln2/2; scale by 2^n in two halves. */
    static FloatVector expV(FloatVector x) {
        // lanes below EXP_LO (they give 0) compute exp(0): clamping them near -88 made a subnormal 2^-127
        // intermediate, and subnormals cost a microcode assist each (masked -Inf scores in softmax rows)
        VectorMask<Float> lo = x.compare(VectorOperators.LT, EXP_LO);
        FloatVector xc = x.blend(0f, lo).min(EXP_HI + 1f);
        FloatVector nf = xc.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = nf.fma(bc(-LN2_HI), xc);
        r = nf.fma(bc(-LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, bc(1.3981999507e-3f));
        p = p.fma(r, bc(8.3334519073e-3f));
        p = p.fma(r, bc(4.1665795894e-2f));
        p = p.fma(r, bc(1.6666665459e-1f));
        p = p.fma(r, bc(5.0000001201e-1f));
        p = p.mul(r.mul(r)).add(r).add(1f);
        IntVector n = (IntVector) nf.convert(VectorOperators.F2I, 0);
        IntVector n1 = n.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = n.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        y = y.blend(0f, lo);
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        if (n < L) {
            // shorter than one vector: no vector objects at all (nothing for the JIT to box)
            float s = 0f;
            for (int i = 0; i < n; i++) s = Math.fma(a[ao + i], b[bo + i], s);
            return s;
        }
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            s0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s0);
            s1 = FloatVector.fromArray(S, a, ao + i + L).fma(FloatVector.fromArray(S, b, bo + i + L), s1);
            s2 = FloatVector.fromArray(S, a, ao + i + 2 * L).fma(FloatVector.fromArray(S, b, bo + i + 2 * L), s2);
            s3 = FloatVector.fromArray(S, a, ao + i + 3 * L).fma(FloatVector.fromArray(S, b, bo + i + 3 * L), s3);
        }
        for (; i + L <= n; i += L) {
            s0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s0);
        }
        FloatVector h = s0.add(s1).add(s2.add(s3));
        // fixed-order horizontal sum (see PanamaLanes), written inline so no vector crosses a call
        if (L >= 16) h = h.add(h.rearrange(PanamaLanes.ROT8));
        if (L >= 8) h = h.add(h.rearrange(PanamaLanes.ROT4));
        h = h.add(h.rearrange(PanamaLanes.ROT2));
        h = h.add(h.rearrange(PanamaLanes.ROT1));
        float s = h.lane(0);
        for (; i < n; i++) s = Math.fma(a[ao + i], b[bo + i], s);
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(bc(alpha), FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
    }

    @Override
    public void scaleAdd(float alpha, float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector.fromArray(S, y, yo + i).fma(bc(alpha), FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, y[yo + i], x[xo + i]);
    }

    @Override
    public void scale(float alpha, float[] x, int xo, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) FloatVector.fromArray(S, x, xo + i).mul(alpha).intoArray(x, xo + i);
        for (; i < n; i++) x[xo + i] *= alpha;
    }

    @Override
    public void scale(float alpha, float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) FloatVector.fromArray(S, x, xo + i).mul(alpha).intoArray(out, oo + i);
        for (; i < n; i++) out[oo + i] = alpha * x[xo + i];
    }

    @Override
    public void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] + b[bo + i];
    }

    @Override
    public void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = a[ao + i] * b[bo + i];
    }

    @Override
    public void fma(float[] a, int ao, float[] b, int bo, float[] c, int co, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), FloatVector.fromArray(S, c, co + i))
                    .intoArray(c, co + i);
        }
        for (; i < n; i++) c[co + i] = Math.fma(a[ao + i], b[bo + i], c[co + i]);
    }

    @Override
    public float sum(float[] a, int ao, int n) {
        if (n < L) {
            float s = 0f;
            for (int i = 0; i < n; i++) s += a[ao + i];
            return s;
        }
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            s0 = s0.add(FloatVector.fromArray(S, a, ao + i));
            s1 = s1.add(FloatVector.fromArray(S, a, ao + i + L));
            s2 = s2.add(FloatVector.fromArray(S, a, ao + i + 2 * L));
            s3 = s3.add(FloatVector.fromArray(S, a, ao + i + 3 * L));
        }
        for (; i + L <= n; i += L) s0 = s0.add(FloatVector.fromArray(S, a, ao + i));
        FloatVector h = s0.add(s1).add(s2.add(s3));
        // fixed-order horizontal sum (see PanamaLanes), written inline so no vector crosses a call
        if (L >= 16) h = h.add(h.rearrange(PanamaLanes.ROT8));
        if (L >= 8) h = h.add(h.rearrange(PanamaLanes.ROT4));
        h = h.add(h.rearrange(PanamaLanes.ROT2));
        h = h.add(h.rearrange(PanamaLanes.ROT1));
        float s = h.lane(0);
        for (; i < n; i++) s += a[ao + i];
        return s;
    }

    @Override
    public boolean allWithin(float[] a, int ao, int n, float lo, float hi) {
        // lanes that pass both compares (a NaN passes neither), and-ed over the array: mask registers only (a vector
        // min / max with Java's NaN and -0.0 rules is a multi-instruction sequence)
        VectorMask<Float> ok = S.maskAll(true), ok1 = ok;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(S, a, ao + i), x1 = FloatVector.fromArray(S, a, ao + i + L);
            ok = ok.and(x0.compare(VectorOperators.GE, lo)).and(x0.compare(VectorOperators.LE, hi));
            ok1 = ok1.and(x1.compare(VectorOperators.GE, lo)).and(x1.compare(VectorOperators.LE, hi));
        }
        for (; i + L <= n; i += L) {
            FloatVector x0 = FloatVector.fromArray(S, a, ao + i);
            ok = ok.and(x0.compare(VectorOperators.GE, lo)).and(x0.compare(VectorOperators.LE, hi));
        }
        if (!ok.and(ok1).allTrue()) return false;
        for (; i < n; i++) {
            float x = a[ao + i];
            if (!(x >= lo && x <= hi)) return false;
        }
        return true;
    }

    @Override
    public float max(float[] a, int ao, int n) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            m0 = m0.max(FloatVector.fromArray(S, a, ao + i));
            m1 = m1.max(FloatVector.fromArray(S, a, ao + i + L));
        }
        for (; i + L <= n; i += L) m0 = m0.max(FloatVector.fromArray(S, a, ao + i));
        float m = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, a[ao + i]);
        return m;
    }

    @Override
    public float sumSquares(float[] a, int ao, int n) {
        return dot(a, ao, a, ao, n);
    }

    @Override
    public void exp(float[] in, int xo, float[] out, int oo, int n) {
        expLoop(1f, in, xo, out, oo, n);
    }

    /** exp(sign x) for sign = 1 or -1 (the negation is exact): the vector body of exp, sigmoid and silu. */
    private static void expLoop(float sign, float[] in, int xo, float[] out, int oo, int n) {
        // expV's body written into the loop: for short rows C2 sees the call site as cold and declines to inline
        // a 280-byte helper, and then boxes its vector argument and result on every call (seen in KDA decode)
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, xo + i).mul(sign);
            VectorMask<Float> lo = x.compare(VectorOperators.LT, EXP_LO);   // as expV: no subnormal intermediates
            FloatVector xc = x.blend(0f, lo).min(EXP_HI + 1f);
            FloatVector nf = xc.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = nf.fma(bc(-LN2_HI), xc);
            r = nf.fma(bc(-LN2_LO), r);
            FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
            p = p.fma(r, bc(1.3981999507e-3f));
            p = p.fma(r, bc(8.3334519073e-3f));
            p = p.fma(r, bc(4.1665795894e-2f));
            p = p.fma(r, bc(1.6666665459e-1f));
            p = p.fma(r, bc(5.0000001201e-1f));
            p = p.mul(r.mul(r)).add(r).add(1f);
            IntVector ni = (IntVector) nf.convert(VectorOperators.F2I, 0);
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            IntVector n2 = ni.sub(n1);
            FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector y = p.mul(s1).mul(s2);
            y = y.blend(0f, lo);
            y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
            y.blend(x, x.test(VectorOperators.IS_NAN)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = (float) Math.exp(sign * in[xo + i]);
    }

    @Override
    public float softmax(float[] x, int xo, int n) {
        // every pass written out here, no call to max()/sum()/scale(): a nested call that C2 declines to inline
        // can leave the callee running C1 code, whose vectors are heap objects (seen in attention decode)
        int u = S.loopBound(n);
        float mx = Float.NEGATIVE_INFINITY;
        if (u > 0) {
            FloatVector m = FloatVector.fromArray(S, x, xo);
            for (int i = L; i < u; i += L) m = m.max(FloatVector.fromArray(S, x, xo + i));
            mx = m.reduceLanes(VectorOperators.MAX);
        }
        for (int i = u; i < n; i++) mx = Math.max(mx, x[xo + i]);
        if (mx == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, xo, xo + n, 0f);
            return 0f;
        }
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < u; i += L) {
            FloatVector e = expV(FloatVector.fromArray(S, x, xo + i).sub(mx));
            e.intoArray(x, xo + i);
            acc = acc.add(e);
        }
        // fixed-order horizontal sum (see PanamaLanes)
        if (L >= 16) acc = acc.add(acc.rearrange(PanamaLanes.ROT8));
        if (L >= 8) acc = acc.add(acc.rearrange(PanamaLanes.ROT4));
        acc = acc.add(acc.rearrange(PanamaLanes.ROT2));
        acc = acc.add(acc.rearrange(PanamaLanes.ROT1));
        float s = acc.lane(0);
        for (int i = u; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - mx);
            x[xo + i] = e;
            s += e;
        }
        float inv = 1f / s;
        for (int i = 0; i < u; i += L) FloatVector.fromArray(S, x, xo + i).mul(inv).intoArray(x, xo + i);
        for (int i = u; i < n; i++) x[xo + i] *= inv;
        return s;
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] out, int oo, int n) {
        sigmoidOrSilu(false, x, xo, out, oo, n);
        for (int i = S.loopBound(n); i < n; i++) out[oo + i] = Activations.sigmoid(x[xo + i]);
    }

    /** Per-thread exp(-x) buffer of sigmoidOrSilu. */
    private static final ThreadLocal<float[]> NEG_EXP = ThreadLocal.withInitial(() -> new float[256]);

    /**
     * sigmoid(x) = 1 / (1 + exp(-x)) or silu(x) = x sigmoid(x) over the whole vectors of x, through exp(-x) in a
     * per-thread buffer: no vector crosses a method boundary (a sig(FloatVector) helper that C2 judged cold at
     * short rows, Mamba-1's decode step, was left out of line and boxed every vector). Same operations, same bits.
     */
    private static void sigmoidOrSilu(boolean silu, float[] x, int xo, float[] out, int oo, int n) {
        float[] e = NEG_EXP.get();
        for (int c = 0, u = S.loopBound(n); c < u; c += e.length) {
            int len = Math.min(e.length, u - c);
            expLoop(-1f, x, xo + c, e, 0, len);
            for (int i = 0; i < len; i += L) {
                FloatVector sg = FloatVector.broadcast(S, 1f).div(FloatVector.fromArray(S, e, i).add(1f));
                // two stores rather than one vector through a conditional: no vector phi for C2 to box
                if (silu) FloatVector.fromArray(S, x, xo + c + i).mul(sg).intoArray(out, oo + c + i);
                else sg.intoArray(out, oo + c + i);
            }
        }
    }

    @Override
    public void logsigmoid(float[] x, int xo, float[] out, int oo, int n) {
        softplusOrLogsigmoid(false, x, xo, out, oo, n);
    }

    @Override
    public void silu(float[] x, int xo, float[] out, int oo, int n) {
        sigmoidOrSilu(true, x, xo, out, oo, n);
        for (int i = S.loopBound(n); i < n; i++) out[oo + i] = Activations.silu(x[xo + i]);
    }

    @Override
    public void softplus(float[] x, int xo, float[] out, int oo, int n) {
        softplusOrLogsigmoid(true, x, xo, out, oo, n);
    }

    /**
     * softplus(x) = max(x, 0) + log1p(exp(-|x|)), x itself above 20 as torch; logsigmoid(x) = min(x, 0) -
     * log1p(exp(-|x|)). One vector body with expV (for -|x| <= 0, so no overflow branch) and a Cephes log1p on
     * [0, 1] written in, as exp(): when C2 declined to inline the helpers at short rows (Mamba-1's per-token scan)
     * their vector arguments and results were boxed, ~1.6 MB per 256-token forward. The constants are
     * {@code FloatVector.broadcast} (@ForceInline), not {@link #bc}: this body passes C2's NodeCountInliningCutoff,
     * after which only @ForceInline calls are still inlined (an out-of-line bc() returned boxed vectors).
     */
    private static void softplusOrLogsigmoid(boolean softplus, float[] in, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, xo + i);
            // e = exp(-|x|) in (0, 1]
            FloatVector ax = x.abs().neg();
            VectorMask<Float> lo = ax.compare(VectorOperators.LT, EXP_LO);  // as expV: no subnormal intermediates
            FloatVector xc = ax.blend(0f, lo);
            FloatVector nf = xc.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = nf.fma(FloatVector.broadcast(S, -LN2_HI), xc);
            r = nf.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
            p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
            p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
            p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
            p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
            p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
            p = p.mul(r.mul(r)).add(r).add(1f);
            IntVector ni = (IntVector) nf.convert(VectorOperators.F2I, 0);
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            IntVector n2 = ni.sub(n1);
            FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(s1).mul(s2);
            e = e.blend(0f, lo);
            e = e.blend(ax, ax.test(VectorOperators.IS_NAN));
            // l = log1p(e): Cephes logf polynomial on uu = 1 + e, corrected for the rounding of uu
            FloatVector uu = e.add(1f);
            VectorMask<Float> big = uu.compare(VectorOperators.GT, 1.41421356f);
            FloatVector m = uu.blend(uu.mul(0.5f), big);
            FloatVector ex = FloatVector.zero(S).blend(1f, big);
            FloatVector f = m.sub(1f);
            FloatVector z = f.mul(f);
            FloatVector q = FloatVector.broadcast(S, 7.0376836292e-2f);
            q = q.fma(f, FloatVector.broadcast(S, -1.1514610310e-1f));
            q = q.fma(f, FloatVector.broadcast(S, 1.1676998740e-1f));
            q = q.fma(f, FloatVector.broadcast(S, -1.2420140846e-1f));
            q = q.fma(f, FloatVector.broadcast(S, 1.4249322787e-1f));
            q = q.fma(f, FloatVector.broadcast(S, -1.6668057665e-1f));
            q = q.fma(f, FloatVector.broadcast(S, 2.0000714765e-1f));
            q = q.fma(f, FloatVector.broadcast(S, -2.4999993993e-1f));
            q = q.fma(f, FloatVector.broadcast(S, 3.3333331174e-1f));
            FloatVector t = f.mul(z).mul(q);
            t = ex.fma(FloatVector.broadcast(S, LN2_LO), t);
            t = z.fma(FloatVector.broadcast(S, -0.5f), t);
            FloatVector lg = f.add(t);
            lg = ex.fma(FloatVector.broadcast(S, LN2_HI), lg);
            FloatVector l = lg.sub(uu.sub(1f).sub(e).div(uu));
            // two stores rather than one vector through a conditional: no vector phi for C2 to box
            if (softplus) x.max(0f).add(l).blend(x, x.compare(VectorOperators.GT, 20f)).intoArray(out, oo + i);
            else x.min(0f).sub(l).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = softplus ? Activations.softplus(in[xo + i]) : Activations.logsigmoid(in[xo + i]);
    }

    @Override
    public void rmsNorm(float[] x, int xo, float[] weight, int wo, float eps, float[] out, int oo, int n) {
        float r = (float) (1.0 / Math.sqrt(sumSquares(x, xo, n) / n + eps));
        if (weight == null) {
            int i = 0;
            for (int u = S.loopBound(n); i < u; i += L) FloatVector.fromArray(S, x, xo + i).mul(r).intoArray(out, oo + i);
            for (; i < n; i++) out[oo + i] = x[xo + i] * r;
            return;
        }
        int i = 0;
        for (int u = S.loopBound(n); i < u; i += L) {
            FloatVector.fromArray(S, x, xo + i).mul(r).mul(FloatVector.fromArray(S, weight, wo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = x[xo + i] * r * weight[wo + i];
    }

    @Override
    public void gatedRmsNorm(float[] x, int xo, float[] gate, int go, float[] weight, int wo, float eps, float[] out, int oo, int n) {
        float r = (float) (1.0 / Math.sqrt(sumSquares(x, xo, n) / n + eps));
        float[] e = NEG_EXP.get();
        int u = S.loopBound(n);
        for (int c = 0; c < u; c += e.length) {
            int len = Math.min(e.length, u - c);
            expLoop(-1f, gate, go + c, e, 0, len);   // silu(g) = g / (1 + exp(-g)), as sigmoidOrSilu
            for (int j = 0; j < len; j += L) {
                int i = c + j;
                FloatVector g = FloatVector.fromArray(S, gate, go + i);
                FloatVector sg = FloatVector.broadcast(S, 1f).div(FloatVector.fromArray(S, e, j).add(1f));
                FloatVector v = FloatVector.fromArray(S, x, xo + i).mul(r);
                if (weight != null) v = v.mul(FloatVector.fromArray(S, weight, wo + i));
                v.mul(g.mul(sg)).intoArray(out, oo + i);
            }
        }
        for (int i = u; i < n; i++) {
            out[oo + i] = x[xo + i] * r * (weight == null ? 1f : weight[wo + i]) * Activations.silu(gate[go + i]);
        }
    }

    @Override
    public void l2Normalize(float[] x, int xo, float eps, int n) {
        float r = (float) (1.0 / Math.sqrt(sumSquares(x, xo, n) + eps));
        scale(r, x, xo, n);
    }

    @Override
    public void gemvRows(float alpha, float[] a, int ao, int lda, int rows, float[] x, int xo, int n, float[] out, int oo) {
        int u = S.loopBound(n);
        int r = 0;
        // four rows per pass: four independent FMA chains, then four fixed-order horizontal sums
        for (; r + 3 < rows; r += 4) {
            int a0 = ao + r * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int i = 0; i < u; i += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xo + i);
                s0 = FloatVector.fromArray(S, a, a0 + i).fma(xv, s0);
                s1 = FloatVector.fromArray(S, a, a1 + i).fma(xv, s1);
                s2 = FloatVector.fromArray(S, a, a2 + i).fma(xv, s2);
                s3 = FloatVector.fromArray(S, a, a3 + i).fma(xv, s3);
            }
            if (L >= 16) {
                s0 = s0.add(s0.rearrange(PanamaLanes.ROT8));
                s1 = s1.add(s1.rearrange(PanamaLanes.ROT8));
                s2 = s2.add(s2.rearrange(PanamaLanes.ROT8));
                s3 = s3.add(s3.rearrange(PanamaLanes.ROT8));
            }
            if (L >= 8) {
                s0 = s0.add(s0.rearrange(PanamaLanes.ROT4));
                s1 = s1.add(s1.rearrange(PanamaLanes.ROT4));
                s2 = s2.add(s2.rearrange(PanamaLanes.ROT4));
                s3 = s3.add(s3.rearrange(PanamaLanes.ROT4));
            }
            s0 = s0.add(s0.rearrange(PanamaLanes.ROT2));
            s1 = s1.add(s1.rearrange(PanamaLanes.ROT2));
            s2 = s2.add(s2.rearrange(PanamaLanes.ROT2));
            s3 = s3.add(s3.rearrange(PanamaLanes.ROT2));
            s0 = s0.add(s0.rearrange(PanamaLanes.ROT1));
            s1 = s1.add(s1.rearrange(PanamaLanes.ROT1));
            s2 = s2.add(s2.rearrange(PanamaLanes.ROT1));
            s3 = s3.add(s3.rearrange(PanamaLanes.ROT1));
            float t0 = s0.lane(0), t1 = s1.lane(0), t2 = s2.lane(0), t3 = s3.lane(0);
            for (int i = u; i < n; i++) {
                float xi = x[xo + i];
                t0 = Math.fma(a[a0 + i], xi, t0);
                t1 = Math.fma(a[a1 + i], xi, t1);
                t2 = Math.fma(a[a2 + i], xi, t2);
                t3 = Math.fma(a[a3 + i], xi, t3);
            }
            out[oo + r] = alpha * t0;
            out[oo + r + 1] = alpha * t1;
            out[oo + r + 2] = alpha * t2;
            out[oo + r + 3] = alpha * t3;
        }
        for (; r < rows; r++) out[oo + r] = alpha * dot(x, xo, a, ao + r * lda, n);
    }
}
