package org.seqmix.kernels.deltarule;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Column-tiled {@link DeltaStepKernel}: a tile of 4 vectors along V (64 columns with AVX-512: 32 KiB of state at
 * K = 128, L1-resident; the panel width) runs all tokens of the block while its u, o and kv accumulators stay in
 * registers; one fused pass per token (update + query of token t, decay + project of token t+1). Narrower columns:
 * 1-vector tiles, then scalar columns. Same float operations in the same order as {@link OpsDeltaStepKernel}. Loaded by
 * name only when jdk.incubator.vector is present.
 * <p>With 512-bit vectors (AVX-512, 32 vector registers) the 4-vector tiles run token pairs (see
 * {@link DeltaStepKernel}): the one-token pass does an L1 store per three FMAs, and on Zen 4 that, not the FMAs,
 * bound it (a kernel harness on an L1-resident tile: 76 GFLOP/s, 98 with the stores removed, 98 in pairs, against
 * a 104 FMA loop; one-JVM A/B of Gated DeltaNet, 32 heads, T = 1024: -12% on 1 and on 2 threads). The pair pass
 * keeps 24 accumulators and 6 broadcasts live, too many for AVX2's 16 registers.
 */
final class PanamaDeltaStepKernel implements DeltaStepKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Panel width, and so the row stride of a full panel: 4 vectors. */
    private static final int TILE = 4 * L;

    /** Per thread: the kv and u of the current column tile between token passes ({@code [0, 4L)} and {@code [4L, 8L)});
     *  with pairs kv, kv2, u, u2 in four such slots, then a pair pass's two o rows. */
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[24 * L]);

    private final boolean pairs;

    PanamaDeltaStepKernel() {
        this(F.vectorBitSize() >= 512);
    }

    /** @param pairs whether the 4-vector tiles run token pairs (tests take both on any machine) */
    PanamaDeltaStepKernel(boolean pairs) {
        this.pairs = pairs;
    }

    @Override
    public int panel() {
        return TILE;
    }

    @Override
    public boolean pairs() {
        return pairs;
    }
    /** Per thread: the one-token path's row scalars {@code bk_i dec_i}, {@code qs_i dec_i}, then u of one 8-vector strip; grown on demand. */
    private static final ThreadLocal<float[]> ROW_SCALARS = ThreadLocal.withInitial(() -> new float[0]);

    @Override
    public void block(float[] s, int so, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk, float[] qs,
                      float[] wv, float[] fin, float[] o, int oOff, int oStride, boolean panels) {
        if (!panels) {
            if (n == 1 && fin == null && DeltaStepKernel.decays(decayed, 0)) single(s, so, kd, vd, dec, bk, kk, qs, wv, o, oOff);
            else strided(s, so, vd, 0, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, o, oOff, oStride);
            return;
        }
        float[] beta = DeltaStepKernel.pairsRun(pairs, true, n) ? DeltaStepKernel.pairBetas(bk, kk, n, kd) : null;
        int j = 0;
        for (; j + TILE <= vd; j += TILE) {
            if (beta != null) tilePairs(s, so + kd * j, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, beta, j, o, oOff + j, oStride, ACC.get());
            else tile4(s, so + kd * j, TILE, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, j, o, oOff + j, oStride, ACC.get());
        }
        // the last, narrower panel: rows vd - j floats apart
        if (j < vd) strided(s, so + kd * j, vd - j, j, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, o, oOff, oStride);
    }

    /**
     * Columns {@code [j0, vd)}, column j's rows at {@code s[base + (j - j0) + i*stride]}: 4-vector tiles, 1-vector tiles,
     * then the plain twin's column loop for the last vd % L columns (one token per pass).
     */
    private static void strided(float[] s, int base, int stride, int j0, int kd, int vd, int n, float[] dec, boolean[] decayed,
                                float[] bk, float[] kk, float[] qs, float[] wv, float[] fin, float[] o, int oOff, int oStride) {
        int j = j0;
        for (; j + TILE <= vd; j += TILE) {
            tile4(s, base + j - j0, stride, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, j, o, oOff + j, oStride, ACC.get());
        }
        for (; j + L <= vd; j += L) tile1(s, base + j - j0, stride, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, j, o, oOff + j, oStride);
        for (; j < vd; j++) {
            OpsDeltaStepKernel.column(s, base + j - j0, stride, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, false, null, j, o, oOff, oStride);
        }
    }

    /**
     * Columns {@code [j, j + 4L)}: state rows at {@code s[so + i*stride ..]}, w∘v at {@code wv[t*vd + j ..]}. One pass
     * over the rows per token (update + query of token t fused with the decay + project of token t+1), each kind of
     * pass its own small method (one big body with every variant is more than C1 and C2 handle well), the four
     * kv / u vectors handed between passes through {@code acc}.
     */
    private static void tile4(float[] s, int so, int stride, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk,
                              float[] kk, float[] qs, float[] wv, float[] fin, int j, float[] o, int oo, int oStride, float[] acc) {
        if (DeltaStepKernel.decays(decayed, 0)) decayProject(s, so, stride, kd, dec, bk, acc);
        else project(s, so, stride, kd, bk, acc);
        for (int t = 0; t < n; t++) {
            int c = t * kd, d = oo + t * oStride, w = t * vd + j;
            for (int x = 0; x < 4 * L; x += L) FloatVector.fromArray(F, wv, w + x).sub(FloatVector.fromArray(F, acc, x)).intoArray(acc, 4 * L + x);
            // the last token projects onto its own k (a dummy kv, never read): no branch in the row loop
            boolean last = t + 1 == n;
            float[] mul = last ? fin : DeltaStepKernel.decays(decayed, t + 1) ? dec : null, b = last ? kk : bk;
            int mo = last ? 0 : c + kd, bo = last ? c : c + kd;
            if (stride == TILE) updateProjectTile(s, so, kd, kk, qs, c, mul, mo, b, bo, o, d, acc);
            else updateProject(s, so, stride, kd, kk, qs, c, mul, mo, b, bo, o, d, acc);
        }
    }

    /** kv = Σ_i bk_i (S_i *= dec_i) over the first token's rows. */
    private static void decayProject(float[] s, int so, int stride, int kd, float[] dec, float[] bk, float[] acc) {
        FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
        for (int i = 0; i < kd; i++) {
            int r = so + i * stride;
            FloatVector di = FloatVector.broadcast(F, dec[i]), bi = FloatVector.broadcast(F, bk[i]);
            FloatVector r0 = FloatVector.fromArray(F, s, r).mul(di);
            FloatVector r1 = FloatVector.fromArray(F, s, r + L).mul(di);
            FloatVector r2 = FloatVector.fromArray(F, s, r + 2 * L).mul(di);
            FloatVector r3 = FloatVector.fromArray(F, s, r + 3 * L).mul(di);
            r0.intoArray(s, r);
            r1.intoArray(s, r + L);
            r2.intoArray(s, r + 2 * L);
            r3.intoArray(s, r + 3 * L);
            p0 = r0.fma(bi, p0);
            p1 = r1.fma(bi, p1);
            p2 = r2.fma(bi, p2);
            p3 = r3.fma(bi, p3);
        }
        store(p0, p1, p2, p3, acc, 0);
    }

    /** kv = Σ_i bk_i S_i (a first token that does not decay the state: read only). */
    private static void project(float[] s, int so, int stride, int kd, float[] bk, float[] acc) {
        FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
        for (int i = 0; i < kd; i++) {
            int r = so + i * stride;
            FloatVector bi = FloatVector.broadcast(F, bk[i]);
            p0 = FloatVector.fromArray(F, s, r).fma(bi, p0);
            p1 = FloatVector.fromArray(F, s, r + L).fma(bi, p1);
            p2 = FloatVector.fromArray(F, s, r + 2 * L).fma(bi, p2);
            p3 = FloatVector.fromArray(F, s, r + 3 * L).fma(bi, p3);
        }
        store(p0, p1, p2, p3, acc, 0);
    }

    /**
     * Token at {@code c = t*K}: S_i += k_i u, o = Σ qs_i S_i; then S_i *= mul[mo + i] when {@code mul} is given (the
     * next token's direct decay, or the last token's {@code fin}; else three FMAs per row vector), and the next
     * token's kv = Σ bk[bo + i] S_i (the last token passes any K floats and ignores it).
     */
    private static void updateProject(float[] s, int so, int stride, int kd, float[] kk, float[] qs, int c, float[] mul, int mo,
                                      float[] bk, int bo, float[] o, int d, float[] acc) {
        FloatVector u0 = FloatVector.fromArray(F, acc, 4 * L), u1 = FloatVector.fromArray(F, acc, 5 * L);
        FloatVector u2 = FloatVector.fromArray(F, acc, 6 * L), u3 = FloatVector.fromArray(F, acc, 7 * L);
        FloatVector o0 = FloatVector.zero(F), o1 = o0, o2 = o0, o3 = o0, p0 = o0, p1 = o0, p2 = o0, p3 = o0;
        for (int i = 0; i < kd; i++) {
            int r = so + i * stride;
            // all three broadcasts first: loaded after the stores, bi cost ~25% of the loop on Zen 3
            FloatVector ki = FloatVector.broadcast(F, kk[c + i]), qi = FloatVector.broadcast(F, qs[c + i]);
            FloatVector bi = FloatVector.broadcast(F, bk[bo + i]);
            // one column vector at a time, so a single r is live (16 vectors in all instead of 19: no spills with
            // AVX2's 16 registers; 5-15% off the block in a one-JVM A/B on Zen 3)
            FloatVector r0 = u0.fma(ki, FloatVector.fromArray(F, s, r));
            o0 = r0.fma(qi, o0);
            if (mul != null) r0 = r0.mul(FloatVector.broadcast(F, mul[mo + i])); // loop-invariant test: C2 unswitches
            r0.intoArray(s, r);
            p0 = r0.fma(bi, p0);
            FloatVector r1 = u1.fma(ki, FloatVector.fromArray(F, s, r + L));
            o1 = r1.fma(qi, o1);
            if (mul != null) r1 = r1.mul(FloatVector.broadcast(F, mul[mo + i]));
            r1.intoArray(s, r + L);
            p1 = r1.fma(bi, p1);
            FloatVector r2 = u2.fma(ki, FloatVector.fromArray(F, s, r + 2 * L));
            o2 = r2.fma(qi, o2);
            if (mul != null) r2 = r2.mul(FloatVector.broadcast(F, mul[mo + i]));
            r2.intoArray(s, r + 2 * L);
            p2 = r2.fma(bi, p2);
            FloatVector r3 = u3.fma(ki, FloatVector.fromArray(F, s, r + 3 * L));
            o3 = r3.fma(qi, o3);
            if (mul != null) r3 = r3.mul(FloatVector.broadcast(F, mul[mo + i]));
            r3.intoArray(s, r + 3 * L);
            p3 = r3.fma(bi, p3);
        }
        store(o0, o1, o2, o3, o, d);
        store(p0, p1, p2, p3, acc, 0);
    }

    /**
     * {@link #updateProject} on a full panel (rows {@link #TILE} floats apart from so): with the stride a
     * constant, C2 proves every row's loads and stores in bounds once and drops the multiply per row (5-14% off the
     * 64-token block in a one-JVM A/B). The same operations, so the same results, as the strided method.
     */
    private static void updateProjectTile(float[] s, int so, int kd, float[] kk, float[] qs, int c, float[] mul, int mo,
                                      float[] bk, int bo, float[] o, int d, float[] acc) {
        FloatVector u0 = FloatVector.fromArray(F, acc, 4 * L), u1 = FloatVector.fromArray(F, acc, 5 * L);
        FloatVector u2 = FloatVector.fromArray(F, acc, 6 * L), u3 = FloatVector.fromArray(F, acc, 7 * L);
        FloatVector o0 = FloatVector.zero(F), o1 = o0, o2 = o0, o3 = o0, p0 = o0, p1 = o0, p2 = o0, p3 = o0;
        for (int i = 0; i < kd; i++) {
            int r = so + i * TILE;
            // all three broadcasts first: loaded after the stores, bi cost ~25% of the loop on Zen 3
            FloatVector ki = FloatVector.broadcast(F, kk[c + i]), qi = FloatVector.broadcast(F, qs[c + i]);
            FloatVector bi = FloatVector.broadcast(F, bk[bo + i]);
            // one column vector at a time, so a single r is live (16 vectors in all instead of 19: no spills with
            // AVX2's 16 registers; 5-15% off the block in a one-JVM A/B on Zen 3)
            FloatVector r0 = u0.fma(ki, FloatVector.fromArray(F, s, r));
            o0 = r0.fma(qi, o0);
            if (mul != null) r0 = r0.mul(FloatVector.broadcast(F, mul[mo + i])); // loop-invariant test: C2 unswitches
            r0.intoArray(s, r);
            p0 = r0.fma(bi, p0);
            FloatVector r1 = u1.fma(ki, FloatVector.fromArray(F, s, r + L));
            o1 = r1.fma(qi, o1);
            if (mul != null) r1 = r1.mul(FloatVector.broadcast(F, mul[mo + i]));
            r1.intoArray(s, r + L);
            p1 = r1.fma(bi, p1);
            FloatVector r2 = u2.fma(ki, FloatVector.fromArray(F, s, r + 2 * L));
            o2 = r2.fma(qi, o2);
            if (mul != null) r2 = r2.mul(FloatVector.broadcast(F, mul[mo + i]));
            r2.intoArray(s, r + 2 * L);
            p2 = r2.fma(bi, p2);
            FloatVector r3 = u3.fma(ki, FloatVector.fromArray(F, s, r + 3 * L));
            o3 = r3.fma(qi, o3);
            if (mul != null) r3 = r3.mul(FloatVector.broadcast(F, mul[mo + i]));
            r3.intoArray(s, r + 3 * L);
            p3 = r3.fma(bi, p3);
        }
        store(o0, o1, o2, o3, o, d);
        store(p0, p1, p2, p3, acc, 0);
    }

    /**
     * A full panel (rows {@link #TILE} floats apart from so), columns {@code [j, j + 4L)}, in token pairs
     * (see {@link DeltaStepKernel}), as {@link OpsDeltaStepKernel}'s column with pairs on: kv and kv2 in acc[0, 8L),
     * u and u2 in acc[8L, 16L). The passes take the stride as the constant TILE (fewer registers for offsets).
     */
    private static void tilePairs(float[] s, int so, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk, float[] qs,
                                  float[] wv, float[] fin, float[] beta, int j, float[] o, int oo, int oStride, float[] acc) {
        int g = DeltaStepKernel.group(true, decayed, fin != null, 0, n);
        project2(s, so, kd, DeltaStepKernel.decays(decayed, 0) ? dec : null, bk, 0, (g - 1) * kd, acc);
        for (int t = 0; t < n; ) {
            int nt = t + g, gn = nt < n ? DeltaStepKernel.group(true, decayed, fin != null, nt, n) : 0, w = t * vd + j;
            FloatVector bt = FloatVector.broadcast(F, g == 2 ? beta[t] : 0f);
            for (int x = 0; x < 4 * L; x += L) {
                FloatVector u = FloatVector.fromArray(F, wv, w + x).sub(FloatVector.fromArray(F, acc, x));
                u.intoArray(acc, 8 * L + x);
                if (g == 2) FloatVector.fromArray(F, wv, w + vd + x).sub(u.fma(bt, FloatVector.fromArray(F, acc, 4 * L + x))).intoArray(acc, 12 * L + x);
            }
            // a last pass projects onto its own token's rows (dummy kv, never read): no branch in the row loop
            int b1 = gn > 0 ? nt * kd : t * kd, b2 = gn == 2 ? b1 + kd : b1;
            int c = t * kd, d = oo + t * oStride;
            if (g == 2) {
                update2(s, so, kd, kk, c, qs, bk, b1, b2, acc);
                store(o, d, acc, 16 * L);
                store(o, d + oStride, acc, 20 * L);
            } else {
                float[] mul = nt == n ? fin : DeltaStepKernel.decays(decayed, nt) ? dec : null;
                update1(s, so, kd, kk, c, qs, mul, nt == n ? 0 : nt * kd, bk, b1, b2, acc);
                store(o, d, acc, 16 * L);
            }
            t = nt;
            g = gn;
        }
    }

    /** {@code out[off ..+4L) = acc[ao ..+4L)}. */
    private static void store(float[] out, int off, float[] acc, int ao) {
        for (int x = 0; x < 4 * L; x += L) FloatVector.fromArray(F, acc, ao + x).intoArray(out, off + x);
    }

    /** kv, kv2 = Σ_i bk[b1 + i] S_i, Σ_i bk[b2 + i] S_i, after S_i *= dec[i] when dec is given. */
    private static void project2(float[] s, int so, int kd, float[] dec, float[] bk, int b1, int b2, float[] acc) {
        FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0, g0 = p0, g1 = p0, g2 = p0, g3 = p0;
        for (int i = 0; i < kd; i++) {
            int r = so + i * TILE;
            FloatVector r0 = FloatVector.fromArray(F, s, r);
            FloatVector r1 = FloatVector.fromArray(F, s, r + L);
            FloatVector r2 = FloatVector.fromArray(F, s, r + 2 * L);
            FloatVector r3 = FloatVector.fromArray(F, s, r + 3 * L);
            if (dec != null) {
                FloatVector di = FloatVector.broadcast(F, dec[i]);
                r0 = r0.mul(di);
                r0.intoArray(s, r);
                r1 = r1.mul(di);
                r1.intoArray(s, r + L);
                r2 = r2.mul(di);
                r2.intoArray(s, r + 2 * L);
                r3 = r3.mul(di);
                r3.intoArray(s, r + 3 * L);
            }
            FloatVector ba = FloatVector.broadcast(F, bk[b1 + i]), bb = FloatVector.broadcast(F, bk[b2 + i]);
            p0 = r0.fma(ba, p0);
            g0 = r0.fma(bb, g0);
            p1 = r1.fma(ba, p1);
            g1 = r1.fma(bb, g1);
            p2 = r2.fma(ba, p2);
            g2 = r2.fma(bb, g2);
            p3 = r3.fma(ba, p3);
            g3 = r3.fma(bb, g3);
        }
        store(p0, p1, p2, p3, acc, 0);
        store(g0, g1, g2, g3, acc, 4 * L);
    }

    /**
     * Two tokens' updates and queries in one pass, projected onto two bk rows (24 accumulators and 6 broadcasts live:
     * AVX-512's 32 registers), never followed by a multiply (see {@link DeltaStepKernel#group}). o rows to acc[16L, 24L).
     * At the edge of what C2 compiles whole: with the accumulators started as copies of one another and the results
     * stored through the 4-vector helper, C2 stopped inlining (LiveNodeCountInliningCutoff) before the last FMAs,
     * which then ran boxed, 4x slower; hence one named zero and plain stores.
     */
    private static void update2(float[] s, int so, int kd, float[] kk, int c, float[] qs, float[] bk, int b1, int b2, float[] acc) {
        FloatVector u0 = FloatVector.fromArray(F, acc, 8 * L);
        FloatVector u1 = FloatVector.fromArray(F, acc, 9 * L);
        FloatVector u2 = FloatVector.fromArray(F, acc, 10 * L);
        FloatVector u3 = FloatVector.fromArray(F, acc, 11 * L);
        FloatVector w0 = FloatVector.fromArray(F, acc, 12 * L);
        FloatVector w1 = FloatVector.fromArray(F, acc, 13 * L);
        FloatVector w2 = FloatVector.fromArray(F, acc, 14 * L);
        FloatVector w3 = FloatVector.fromArray(F, acc, 15 * L);
        FloatVector z = FloatVector.zero(F);
        FloatVector o0 = z, o1 = z, o2 = z, o3 = z, e0 = z, e1 = z, e2 = z, e3 = z, p0 = z, p1 = z, p2 = z, p3 = z, g0 = z, g1 = z, g2 = z, g3 = z;
        for (int i = 0; i < kd; i++) {
            int r = so + i * TILE;
            FloatVector ka = FloatVector.broadcast(F, kk[c + i]), qa = FloatVector.broadcast(F, qs[c + i]);
            FloatVector kb = FloatVector.broadcast(F, kk[c + kd + i]), qb = FloatVector.broadcast(F, qs[c + kd + i]);
            FloatVector ba = FloatVector.broadcast(F, bk[b1 + i]), bb = FloatVector.broadcast(F, bk[b2 + i]);
            FloatVector r0 = u0.fma(ka, FloatVector.fromArray(F, s, r));
            o0 = r0.fma(qa, o0);
            r0 = w0.fma(kb, r0);
            e0 = r0.fma(qb, e0);
            r0.intoArray(s, r);
            p0 = r0.fma(ba, p0);
            g0 = r0.fma(bb, g0);
            FloatVector r1 = u1.fma(ka, FloatVector.fromArray(F, s, r + L));
            o1 = r1.fma(qa, o1);
            r1 = w1.fma(kb, r1);
            e1 = r1.fma(qb, e1);
            r1.intoArray(s, r + L);
            p1 = r1.fma(ba, p1);
            g1 = r1.fma(bb, g1);
            FloatVector r2 = u2.fma(ka, FloatVector.fromArray(F, s, r + 2 * L));
            o2 = r2.fma(qa, o2);
            r2 = w2.fma(kb, r2);
            e2 = r2.fma(qb, e2);
            r2.intoArray(s, r + 2 * L);
            p2 = r2.fma(ba, p2);
            g2 = r2.fma(bb, g2);
            FloatVector r3 = u3.fma(ka, FloatVector.fromArray(F, s, r + 3 * L));
            o3 = r3.fma(qa, o3);
            r3 = w3.fma(kb, r3);
            e3 = r3.fma(qb, e3);
            r3.intoArray(s, r + 3 * L);
            p3 = r3.fma(ba, p3);
            g3 = r3.fma(bb, g3);
        }
        p0.intoArray(acc, 0);
        p1.intoArray(acc, L);
        p2.intoArray(acc, 2 * L);
        p3.intoArray(acc, 3 * L);
        g0.intoArray(acc, 4 * L);
        g1.intoArray(acc, 5 * L);
        g2.intoArray(acc, 6 * L);
        g3.intoArray(acc, 7 * L);
        o0.intoArray(acc, 16 * L);
        o1.intoArray(acc, 17 * L);
        o2.intoArray(acc, 18 * L);
        o3.intoArray(acc, 19 * L);
        e0.intoArray(acc, 20 * L);
        e1.intoArray(acc, 21 * L);
        e2.intoArray(acc, 22 * L);
        e3.intoArray(acc, 23 * L);
    }

    /** One token's update and query (o to acc[16L, 20L)), then mul, projected onto two bk rows: a pass that cannot pair. */
    private static void update1(float[] s, int so, int kd, float[] kk, int c, float[] qs, float[] mul, int mo, float[] bk, int b1, int b2,
                                float[] acc) {
        FloatVector u0 = FloatVector.fromArray(F, acc, 8 * L);
        FloatVector u1 = FloatVector.fromArray(F, acc, 9 * L);
        FloatVector u2 = FloatVector.fromArray(F, acc, 10 * L);
        FloatVector u3 = FloatVector.fromArray(F, acc, 11 * L);
        FloatVector o0 = FloatVector.zero(F), o1 = o0, o2 = o0, o3 = o0, p0 = o0, p1 = o0, p2 = o0, p3 = o0;
        FloatVector g0 = o0, g1 = o0, g2 = o0, g3 = o0;
        for (int i = 0; i < kd; i++) {
            int r = so + i * TILE;
            FloatVector ka = FloatVector.broadcast(F, kk[c + i]), qa = FloatVector.broadcast(F, qs[c + i]);
            FloatVector ba = FloatVector.broadcast(F, bk[b1 + i]), bb = FloatVector.broadcast(F, bk[b2 + i]);
            FloatVector r0 = u0.fma(ka, FloatVector.fromArray(F, s, r));
            o0 = r0.fma(qa, o0);
            if (mul != null) r0 = r0.mul(FloatVector.broadcast(F, mul[mo + i]));
            r0.intoArray(s, r);
            p0 = r0.fma(ba, p0);
            g0 = r0.fma(bb, g0);
            FloatVector r1 = u1.fma(ka, FloatVector.fromArray(F, s, r + L));
            o1 = r1.fma(qa, o1);
            if (mul != null) r1 = r1.mul(FloatVector.broadcast(F, mul[mo + i]));
            r1.intoArray(s, r + L);
            p1 = r1.fma(ba, p1);
            g1 = r1.fma(bb, g1);
            FloatVector r2 = u2.fma(ka, FloatVector.fromArray(F, s, r + 2 * L));
            o2 = r2.fma(qa, o2);
            if (mul != null) r2 = r2.mul(FloatVector.broadcast(F, mul[mo + i]));
            r2.intoArray(s, r + 2 * L);
            p2 = r2.fma(ba, p2);
            g2 = r2.fma(bb, g2);
            FloatVector r3 = u3.fma(ka, FloatVector.fromArray(F, s, r + 3 * L));
            o3 = r3.fma(qa, o3);
            if (mul != null) r3 = r3.mul(FloatVector.broadcast(F, mul[mo + i]));
            r3.intoArray(s, r + 3 * L);
            p3 = r3.fma(ba, p3);
            g3 = r3.fma(bb, g3);
        }
        store(o0, o1, o2, o3, acc, 16 * L);
        store(p0, p1, p2, p3, acc, 0);
        store(g0, g1, g2, g3, acc, 4 * L);
    }

    private static void store(FloatVector a, FloatVector b, FloatVector c, FloatVector d, float[] out, int off) {
        a.intoArray(out, off);
        b.intoArray(out, off + L);
        c.intoArray(out, off + 2 * L);
        d.intoArray(out, off + 3 * L);
    }

    /**
     * One token (decode) in two passes over each column strip instead of a write pass and a read-write pass: a
     * read-only pass gives kv = Σ_i (bk_i dec_i) S_i (the decay rides on the row's scalar: one multiply per row, not
     * per state vector), u = wv - kv; then the write pass S_i = dec_i S_i + k_i u, last rows first, also sums
     * a = Σ_i (qs_i dec_i) S_i over the old rows it loads, and o = a + u (k·qs) (the new state queried without
     * reading it back). The read pass needs only kv's accumulators, so its strip is 8 vectors wide (64 columns on
     * AVX2: 256 of each row's 512 bytes at V = 128 instead of 128, 6-13% off the step in a one-JVM A/B); the write
     * pass takes it in two halves of 4 vectors (u and a in registers). The state (64 KiB per head at K = V = 128,
     * 2 MiB for 32 heads) is read from L2/L3 about once per token: the write pass finds most of the strip still in
     * L1 or L2.
     */
    private static void single(float[] s, int so, int kd, int vd, float[] dec, float[] bk, float[] kk, float[] qs, float[] wv,
                               float[] o, int oo) {
        float kq = OpsDeltaStepKernel.dot(kk, qs, kd);
        // bk_i dec_i and qs_i dec_i, made once per token (not once per strip), then u of the current strip
        float[] sc = ROW_SCALARS.get();
        if (sc.length < 2 * kd + 8 * L) ROW_SCALARS.set(sc = new float[2 * kd + 8 * L]);
        for (int i = 0; i < kd; i++) {
            sc[i] = bk[i] * dec[i];
            sc[kd + i] = qs[i] * dec[i];
        }
        int uo = 2 * kd;
        int j = 0;
        for (; j + 8 * L <= vd; j += 8 * L) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0;
            for (int i = 0; i < kd; i++) {
                int r = so + i * vd + j;
                FloatVector bi = FloatVector.broadcast(F, sc[i]);
                p0 = FloatVector.fromArray(F, s, r).fma(bi, p0);
                p1 = FloatVector.fromArray(F, s, r + L).fma(bi, p1);
                p2 = FloatVector.fromArray(F, s, r + 2 * L).fma(bi, p2);
                p3 = FloatVector.fromArray(F, s, r + 3 * L).fma(bi, p3);
                p4 = FloatVector.fromArray(F, s, r + 4 * L).fma(bi, p4);
                p5 = FloatVector.fromArray(F, s, r + 5 * L).fma(bi, p5);
                p6 = FloatVector.fromArray(F, s, r + 6 * L).fma(bi, p6);
                p7 = FloatVector.fromArray(F, s, r + 7 * L).fma(bi, p7);
            }
            FloatVector.fromArray(F, wv, j).sub(p0).intoArray(sc, uo);
            FloatVector.fromArray(F, wv, j + L).sub(p1).intoArray(sc, uo + L);
            FloatVector.fromArray(F, wv, j + 2 * L).sub(p2).intoArray(sc, uo + 2 * L);
            FloatVector.fromArray(F, wv, j + 3 * L).sub(p3).intoArray(sc, uo + 3 * L);
            FloatVector.fromArray(F, wv, j + 4 * L).sub(p4).intoArray(sc, uo + 4 * L);
            FloatVector.fromArray(F, wv, j + 5 * L).sub(p5).intoArray(sc, uo + 5 * L);
            FloatVector.fromArray(F, wv, j + 6 * L).sub(p6).intoArray(sc, uo + 6 * L);
            FloatVector.fromArray(F, wv, j + 7 * L).sub(p7).intoArray(sc, uo + 7 * L);
            writeQuery4(s, so + j, kd, vd, dec, kk, sc, uo, kq, o, oo + j);
            writeQuery4(s, so + j + 4 * L, kd, vd, dec, kk, sc, uo + 4 * L, kq, o, oo + j + 4 * L);
        }
        for (; j + L <= vd; j += L) {
            FloatVector p0 = FloatVector.zero(F), o0 = p0;
            for (int i = 0; i < kd; i++) p0 = FloatVector.fromArray(F, s, so + i * vd + j).fma(FloatVector.broadcast(F, sc[i]), p0);
            FloatVector u0 = FloatVector.fromArray(F, wv, j).sub(p0);
            for (int i = kd - 1; i >= 0; i--) {
                int r = so + i * vd + j;
                FloatVector x = FloatVector.fromArray(F, s, r);
                o0 = x.fma(FloatVector.broadcast(F, sc[kd + i]), o0);
                x.fma(FloatVector.broadcast(F, dec[i]), u0.mul(kk[i])).intoArray(s, r);
            }
            u0.fma(FloatVector.broadcast(F, kq), o0).intoArray(o, oo + j);
        }
        for (; j < vd; j++) {
            float p = 0f, a = 0f;
            for (int i = 0; i < kd; i++) p = Math.fma(sc[i], s[so + i * vd + j], p);
            float uj = wv[j] - p;
            for (int i = kd - 1; i >= 0; i--) {
                int r = so + i * vd + j;
                a = Math.fma(s[r], sc[kd + i], a);
                s[r] = Math.fma(s[r], dec[i], uj * kk[i]);
            }
            o[oo + j] = Math.fma(uj, kq, a);
        }
    }

    /**
     * The write pass of {@link #single} on 4 vectors of columns (state from so; sc holds qs_i dec_i at [kd, 2kd) and
     * u at [uo, uo + 4L)): a = Σ (qs_i dec_i) S_i over the old rows, o = a + u kq.
     */
    private static void writeQuery4(float[] s, int so, int kd, int vd, float[] dec, float[] kk, float[] sc, int uo, float kqs,
                                    float[] o, int oo) {
        FloatVector u0 = FloatVector.fromArray(F, sc, uo), u1 = FloatVector.fromArray(F, sc, uo + L);
        FloatVector u2 = FloatVector.fromArray(F, sc, uo + 2 * L), u3 = FloatVector.fromArray(F, sc, uo + 3 * L);
        FloatVector o0 = FloatVector.zero(F), o1 = o0, o2 = o0, o3 = o0;
        for (int i = kd - 1; i >= 0; i--) {
            int r = so + i * vd;
            FloatVector di = FloatVector.broadcast(F, dec[i]), ki = FloatVector.broadcast(F, kk[i]), qi = FloatVector.broadcast(F, sc[kd + i]);
            FloatVector x0 = FloatVector.fromArray(F, s, r), x1 = FloatVector.fromArray(F, s, r + L);
            FloatVector x2 = FloatVector.fromArray(F, s, r + 2 * L), x3 = FloatVector.fromArray(F, s, r + 3 * L);
            o0 = x0.fma(qi, o0);
            o1 = x1.fma(qi, o1);
            o2 = x2.fma(qi, o2);
            o3 = x3.fma(qi, o3);
            x0.fma(di, u0.mul(ki)).intoArray(s, r);
            x1.fma(di, u1.mul(ki)).intoArray(s, r + L);
            x2.fma(di, u2.mul(ki)).intoArray(s, r + 2 * L);
            x3.fma(di, u3.mul(ki)).intoArray(s, r + 3 * L);
        }
        // kq comes in as a float: a vector argument is boxed when C2 does not inline this method (it did not: 64 B
        // per head and step)
        FloatVector kq = FloatVector.broadcast(F, kqs);
        u0.fma(kq, o0).intoArray(o, oo);
        u1.fma(kq, o1).intoArray(o, oo + L);
        u2.fma(kq, o2).intoArray(o, oo + 2 * L);
        u3.fma(kq, o3).intoArray(o, oo + 3 * L);
    }

    /** Columns {@code [j, j + L)}, as {@link #tile4} (a tail: one method, the token's kind tested per row). */
    private static void tile1(float[] s, int so, int stride, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk, float[] kk,
                              float[] qs, float[] wv, float[] fin, int j, float[] o, int oo, int oStride) {
        FloatVector p0 = FloatVector.zero(F);
        boolean d0 = DeltaStepKernel.decays(decayed, 0);
        for (int i = 0; i < kd; i++) {
            int r = so + i * stride;
            FloatVector r0 = FloatVector.fromArray(F, s, r);
            if (d0) {
                r0 = r0.mul(dec[i]);
                r0.intoArray(s, r);
            }
            p0 = r0.fma(FloatVector.broadcast(F, bk[i]), p0);
        }
        for (int t = 0; t < n; t++) {
            int c = t * kd;
            FloatVector u0 = FloatVector.fromArray(F, wv, t * vd + j).sub(p0);
            FloatVector o0 = FloatVector.zero(F);
            p0 = o0;
            if (t + 1 < n) {
                int cn = c + kd;
                boolean dn = DeltaStepKernel.decays(decayed, t + 1);
                for (int i = 0; i < kd; i++) {
                    int r = so + i * stride;
                    FloatVector r0 = u0.fma(FloatVector.broadcast(F, kk[c + i]), FloatVector.fromArray(F, s, r));
                    o0 = r0.fma(FloatVector.broadcast(F, qs[c + i]), o0);
                    if (dn) r0 = r0.mul(dec[cn + i]);
                    r0.intoArray(s, r);
                    p0 = r0.fma(FloatVector.broadcast(F, bk[cn + i]), p0);
                }
            } else {
                for (int i = 0; i < kd; i++) {
                    int r = so + i * stride;
                    FloatVector r0 = u0.fma(FloatVector.broadcast(F, kk[c + i]), FloatVector.fromArray(F, s, r));
                    o0 = r0.fma(FloatVector.broadcast(F, qs[c + i]), o0);
                    (fin == null ? r0 : r0.mul(fin[i])).intoArray(s, r);
                }
            }
            o0.intoArray(o, oo + t * oStride);
        }
    }
}
