package org.seqmix.kernels.attention;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD {@link FlashTile}: everything is vectorised over the query rows of the tile, so the online softmax needs no
 * horizontal reduction. Per tile it keeps {@code scale·qᵀ [D, rows]}, the scores {@code sᵀ [keys, rows]} and the
 * accumulator {@code accᵀ [D, rows]}; a key tile's k and v rows are copied into contiguous buffers once and used
 * by every group of 4 query vectors (64 rows on AVX-512):
 * <ol>
 *   <li>{@code sᵀ = k · (scale·qᵀ)}: register block of 4 keys x 4 query vectors (16 accumulators; per step 4
 *       loads of qᵀ and 4 broadcasts of k);</li>
 *   <li>online softmax down the key axis: lane-wise max, {@code p = exp(s - m)}, lane-wise sum (keys in order,
 *       so deterministic), {@code alpha = exp(m_old - m_new)};</li>
 *   <li>{@code accᵀ = alpha·accᵀ + vᵀ · p}: register block of 4 head columns x 4 query vectors.</li>
 * </ol>
 * The mask is applied element-wise only on tiles it cuts (the diagonal of a causal mask, window edges); groups of
 * rows that see none of a key tile skip it. Loaded by name only when {@code jdk.incubator.vector} is present;
 * {@link OnlineSoftmaxTile} is its scalar twin.
 */
final class PanamaFlashTile implements FlashTile {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    // exp constants as PanamaVectorOps (Cody-Waite split of ln2, degree-7 polynomial); inputs here are <= 0
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // below: exactly 0 (also -Inf, i.e. masked scores). exp(-80) ~ 2e-35 is far below float resolution next to the
    // row max's own p = 1, and stopping there keeps every intermediate normal: near exp's own limit (-87.3) the
    // 2^n scaling makes subnormals, and each costs a microcode assist (masked tiles ran 3x slower)
    private static final float EXP_LO = -80f;
    private static final float ROUND = 12582912f;

    private final int maxRows, maxKeys, d, mq;
    private final float[] qt; // [d][mq] scale * q transposed, padding rows zero
    private final float[] kb, vb; // [maxKeys][d] the key tile's k and v rows, contiguous
    private final float[] st; // [maxKeys + 1][mq] scores, then probabilities; row nk carries m_old -> alpha
    private final float[] at; // [d][mq] accumulator transposed
    private final float[] m, l; // [mq] running max and normaliser per query
    private final int[] lanes = new int[L]; // lane * ld: gather/scatter offsets of one column of q or o
    private int rows, nv;

    PanamaFlashTile(int maxRows, int maxKeys, int d) {
        this.maxRows = maxRows;
        this.maxKeys = maxKeys;
        this.d = d;
        this.mq = (maxRows + L - 1) / L * L;
        this.qt = new float[d * mq];
        this.kb = new float[maxKeys * d];
        this.vb = new float[maxKeys * d];
        this.st = new float[(maxKeys + 1) * mq];
        this.at = new float[d * mq];
        this.m = new float[mq];
        this.l = new float[mq];
    }

    @Override public int maxRows() { return maxRows; }
    @Override public int maxKeys() { return maxKeys; }
    @Override public int headDim() { return d; }

    @Override
    public void begin(float[] q, int qOff, int ldq, int rows, float scale) {
        if (rows > maxRows) throw new IllegalStateException("tile rows " + rows + " > " + maxRows);
        this.rows = rows;
        this.nv = (rows + L - 1) / L;
        int pad = nv * L, full = rows / L * L;
        for (int u = 0; u < L; u++) lanes[u] = u * ldq;
        for (int r = 0; r < full; r += L) {
            // a column of 16 query rows per gather: the transposed store is then one contiguous vector
            int qo = qOff + r * ldq;
            for (int c = 0; c < d; c++) FloatVector.fromArray(S, q, qo + c, lanes, 0).mul(scale).intoArray(qt, c * mq + r);
        }
        for (int r = full; r < rows; r++) {
            int qo = qOff + r * ldq;
            for (int c = 0; c < d; c++) qt[c * mq + r] = scale * q[qo + c];
        }
        for (int c = 0; c < d; c++) Arrays.fill(qt, c * mq + rows, c * mq + pad, 0f);
        Arrays.fill(m, 0, pad, Float.NEGATIVE_INFINITY);
        Arrays.fill(l, 0, pad, 0f);
        for (int c = 0; c < d; c++) Arrays.fill(at, c * mq, c * mq + pad, 0f);
    }

    @Override
    public void accumulate(float[] k, int kOff, int ldk, float[] v, int vOff, int ldv, int i0, int j0, int nk, AttentionMask mask) {
        if (nk > maxKeys) throw new IllegalStateException("tile keys " + nk + " > " + maxKeys);
        for (int c = 0; c < nk; c++) {
            System.arraycopy(k, kOff + c * ldk, kb, c * d, d);
            System.arraycopy(v, vOff + c * ldv, vb, c * d, d);
        }
        for (int g = 0; g < nv; g += 4) {
            int gv = Math.min(4, nv - g), r0 = g * L, r1 = Math.min(rows, r0 + gv * L);
            if (!mask.anyVisible(i0 + r0, i0 + r1, j0, j0 + nk)) continue;
            if (gv == 4) scores4(r0, nk);
            else scores1(r0, gv, nk);
            if (!mask.allVisible(i0 + r0, i0 + r1, j0, j0 + nk)) hide(r0, r1, i0, j0, nk, mask);
            softmax(r0, gv, nk);
            if (gv == 4) pv4(r0, nk);
            else pv1(r0, gv, nk);
        }
    }

    /** sᵀ[c, r0 .. r0 + 4L) = k[c] · qtᵀ for every key c of the tile. */
    private void scores4(int r0, int nk) {
        int c = 0;
        for (; c + 4 <= nk; c += 4) {
            FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
            int k0 = c * d, k1 = k0 + d, k2 = k1 + d, k3 = k2 + d;
            for (int x = 0, qo = r0; x < d; x++, qo += mq) {
                FloatVector q0 = FloatVector.fromArray(S, qt, qo), q1 = FloatVector.fromArray(S, qt, qo + L);
                FloatVector q2 = FloatVector.fromArray(S, qt, qo + 2 * L), q3 = FloatVector.fromArray(S, qt, qo + 3 * L);
                FloatVector b = FloatVector.broadcast(S, kb[k0 + x]);
                s00 = q0.fma(b, s00); s01 = q1.fma(b, s01); s02 = q2.fma(b, s02); s03 = q3.fma(b, s03);
                b = FloatVector.broadcast(S, kb[k1 + x]);
                s10 = q0.fma(b, s10); s11 = q1.fma(b, s11); s12 = q2.fma(b, s12); s13 = q3.fma(b, s13);
                b = FloatVector.broadcast(S, kb[k2 + x]);
                s20 = q0.fma(b, s20); s21 = q1.fma(b, s21); s22 = q2.fma(b, s22); s23 = q3.fma(b, s23);
                b = FloatVector.broadcast(S, kb[k3 + x]);
                s30 = q0.fma(b, s30); s31 = q1.fma(b, s31); s32 = q2.fma(b, s32); s33 = q3.fma(b, s33);
            }
            int o0 = c * mq + r0, o1 = o0 + mq, o2 = o1 + mq, o3 = o2 + mq;
            s00.intoArray(st, o0); s01.intoArray(st, o0 + L); s02.intoArray(st, o0 + 2 * L); s03.intoArray(st, o0 + 3 * L);
            s10.intoArray(st, o1); s11.intoArray(st, o1 + L); s12.intoArray(st, o1 + 2 * L); s13.intoArray(st, o1 + 3 * L);
            s20.intoArray(st, o2); s21.intoArray(st, o2 + L); s22.intoArray(st, o2 + 2 * L); s23.intoArray(st, o2 + 3 * L);
            s30.intoArray(st, o3); s31.intoArray(st, o3 + L); s32.intoArray(st, o3 + 2 * L); s33.intoArray(st, o3 + 3 * L);
        }
        for (; c < nk; c++) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            int k0 = c * d;
            for (int x = 0, qo = r0; x < d; x++, qo += mq) {
                FloatVector b = FloatVector.broadcast(S, kb[k0 + x]);
                s0 = FloatVector.fromArray(S, qt, qo).fma(b, s0);
                s1 = FloatVector.fromArray(S, qt, qo + L).fma(b, s1);
                s2 = FloatVector.fromArray(S, qt, qo + 2 * L).fma(b, s2);
                s3 = FloatVector.fromArray(S, qt, qo + 3 * L).fma(b, s3);
            }
            int o0 = c * mq + r0;
            s0.intoArray(st, o0); s1.intoArray(st, o0 + L); s2.intoArray(st, o0 + 2 * L); s3.intoArray(st, o0 + 3 * L);
        }
    }

    /** As {@link #scores4} for a group of fewer than 4 query vectors (the last rows of a tile). */
    private void scores1(int r0, int gv, int nk) {
        for (int u = 0; u < gv; u++) {
            int ro = r0 + u * L;
            for (int c = 0; c < nk; c++) {
                FloatVector s0 = FloatVector.zero(S);
                int k0 = c * d;
                for (int x = 0, qo = ro; x < d; x++, qo += mq) {
                    s0 = FloatVector.fromArray(S, qt, qo).fma(FloatVector.broadcast(S, kb[k0 + x]), s0);
                }
                s0.intoArray(st, c * mq + ro);
            }
        }
    }

    /** Sets the scores the mask hides to -Inf: per key, the rows before it (causal) and past its window. */
    private void hide(int r0, int r1, int i0, int j0, int nk, AttentionMask mask) {
        if (!mask.causal()) return;
        for (int c = 0; c < nk; c++) {
            int j = j0 + c, so = c * mq;
            // causal: query i sees j only when i >= j
            int end = Math.min(r1, Math.max(r0, j - i0));
            for (int r = r0; r < end; r++) st[so + r] = Float.NEGATIVE_INFINITY;
            if (mask.hasWindow() && j >= mask.numSinkTokens()) {
                // window: i - j < w, so rows with i >= j + w do not see j
                long first = (long) j + mask.windowSize() - i0;
                for (int r = (int) Math.max(r0, Math.min(r1, first)); r < r1; r++) st[so + r] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Online softmax for the query vectors [r0, r0 + gv·L): probabilities into sᵀ, alpha into row nk. */
    private void softmax(int r0, int gv, int nk) {
        for (int u = 0; u < gv; u++) {
            int ro = r0 + u * L;
            FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int c = 0, so = ro; c < nk; c++, so += mq) mx = mx.max(FloatVector.fromArray(S, st, so));
            FloatVector mOld = FloatVector.fromArray(S, m, ro);
            FloatVector mNew = mOld.max(mx);
            // rows that have seen nothing visible yet keep m = -Inf; subtract 0 there so exp(-Inf) gives 0, not NaN
            FloatVector mSub = mNew.blend(0f, mNew.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            mNew.intoArray(m, ro);
            mOld.intoArray(st, nk * mq + ro);
            FloatVector sum = FloatVector.zero(S);
            // keys 0..nk-1 give p (summed in key order), row nk gives alpha = exp(m_old - m_new)
            for (int c = 0, so = ro; c <= nk; c++, so += mq) {
                FloatVector x = FloatVector.fromArray(S, st, so).sub(mSub);
                FloatVector xc = x.max(EXP_LO);
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
                FloatVector y = p.mul(s1).mul(s2).blend(0f, x.compare(VectorOperators.LT, EXP_LO));
                y.intoArray(st, so);
                if (c < nk) sum = sum.add(y);
            }
            FloatVector alpha = FloatVector.fromArray(S, st, nk * mq + ro);
            alpha.fma(FloatVector.fromArray(S, l, ro), sum).intoArray(l, ro);
        }
    }

    /** accᵀ[:, r0 .. r0 + 4L) = alpha · accᵀ + vᵀ p over the keys of the tile. */
    private void pv4(int r0, int nk) {
        int ao = nk * mq + r0;
        int x = 0;
        for (; x + 4 <= d; x += 4) {
            FloatVector a0 = FloatVector.fromArray(S, st, ao), a1 = FloatVector.fromArray(S, st, ao + L);
            FloatVector a2 = FloatVector.fromArray(S, st, ao + 2 * L), a3 = FloatVector.fromArray(S, st, ao + 3 * L);
            int o0 = x * mq + r0, o1 = o0 + mq, o2 = o1 + mq, o3 = o2 + mq;
            FloatVector c00 = FloatVector.fromArray(S, at, o0).mul(a0), c01 = FloatVector.fromArray(S, at, o0 + L).mul(a1);
            FloatVector c02 = FloatVector.fromArray(S, at, o0 + 2 * L).mul(a2), c03 = FloatVector.fromArray(S, at, o0 + 3 * L).mul(a3);
            FloatVector c10 = FloatVector.fromArray(S, at, o1).mul(a0), c11 = FloatVector.fromArray(S, at, o1 + L).mul(a1);
            FloatVector c12 = FloatVector.fromArray(S, at, o1 + 2 * L).mul(a2), c13 = FloatVector.fromArray(S, at, o1 + 3 * L).mul(a3);
            FloatVector c20 = FloatVector.fromArray(S, at, o2).mul(a0), c21 = FloatVector.fromArray(S, at, o2 + L).mul(a1);
            FloatVector c22 = FloatVector.fromArray(S, at, o2 + 2 * L).mul(a2), c23 = FloatVector.fromArray(S, at, o2 + 3 * L).mul(a3);
            FloatVector c30 = FloatVector.fromArray(S, at, o3).mul(a0), c31 = FloatVector.fromArray(S, at, o3 + L).mul(a1);
            FloatVector c32 = FloatVector.fromArray(S, at, o3 + 2 * L).mul(a2), c33 = FloatVector.fromArray(S, at, o3 + 3 * L).mul(a3);
            for (int c = 0, po = r0, vo = x; c < nk; c++, po += mq, vo += d) {
                FloatVector p0 = FloatVector.fromArray(S, st, po), p1 = FloatVector.fromArray(S, st, po + L);
                FloatVector p2 = FloatVector.fromArray(S, st, po + 2 * L), p3 = FloatVector.fromArray(S, st, po + 3 * L);
                FloatVector b = FloatVector.broadcast(S, vb[vo]);
                c00 = p0.fma(b, c00); c01 = p1.fma(b, c01); c02 = p2.fma(b, c02); c03 = p3.fma(b, c03);
                b = FloatVector.broadcast(S, vb[vo + 1]);
                c10 = p0.fma(b, c10); c11 = p1.fma(b, c11); c12 = p2.fma(b, c12); c13 = p3.fma(b, c13);
                b = FloatVector.broadcast(S, vb[vo + 2]);
                c20 = p0.fma(b, c20); c21 = p1.fma(b, c21); c22 = p2.fma(b, c22); c23 = p3.fma(b, c23);
                b = FloatVector.broadcast(S, vb[vo + 3]);
                c30 = p0.fma(b, c30); c31 = p1.fma(b, c31); c32 = p2.fma(b, c32); c33 = p3.fma(b, c33);
            }
            c00.intoArray(at, o0); c01.intoArray(at, o0 + L); c02.intoArray(at, o0 + 2 * L); c03.intoArray(at, o0 + 3 * L);
            c10.intoArray(at, o1); c11.intoArray(at, o1 + L); c12.intoArray(at, o1 + 2 * L); c13.intoArray(at, o1 + 3 * L);
            c20.intoArray(at, o2); c21.intoArray(at, o2 + L); c22.intoArray(at, o2 + 2 * L); c23.intoArray(at, o2 + 3 * L);
            c30.intoArray(at, o3); c31.intoArray(at, o3 + L); c32.intoArray(at, o3 + 2 * L); c33.intoArray(at, o3 + 3 * L);
        }
        for (; x < d; x++) {
            int o0 = x * mq + r0;
            FloatVector c0 = FloatVector.fromArray(S, at, o0).mul(FloatVector.fromArray(S, st, ao));
            FloatVector c1 = FloatVector.fromArray(S, at, o0 + L).mul(FloatVector.fromArray(S, st, ao + L));
            FloatVector c2 = FloatVector.fromArray(S, at, o0 + 2 * L).mul(FloatVector.fromArray(S, st, ao + 2 * L));
            FloatVector c3 = FloatVector.fromArray(S, at, o0 + 3 * L).mul(FloatVector.fromArray(S, st, ao + 3 * L));
            for (int c = 0, po = r0, vo = x; c < nk; c++, po += mq, vo += d) {
                FloatVector b = FloatVector.broadcast(S, vb[vo]);
                c0 = FloatVector.fromArray(S, st, po).fma(b, c0);
                c1 = FloatVector.fromArray(S, st, po + L).fma(b, c1);
                c2 = FloatVector.fromArray(S, st, po + 2 * L).fma(b, c2);
                c3 = FloatVector.fromArray(S, st, po + 3 * L).fma(b, c3);
            }
            c0.intoArray(at, o0); c1.intoArray(at, o0 + L); c2.intoArray(at, o0 + 2 * L); c3.intoArray(at, o0 + 3 * L);
        }
    }

    /** As {@link #pv4} for a group of fewer than 4 query vectors. */
    private void pv1(int r0, int gv, int nk) {
        for (int u = 0; u < gv; u++) {
            int ro = r0 + u * L;
            FloatVector alpha = FloatVector.fromArray(S, st, nk * mq + ro);
            for (int x = 0; x < d; x++) {
                int o0 = x * mq + ro;
                FloatVector c0 = FloatVector.fromArray(S, at, o0).mul(alpha);
                for (int c = 0, po = ro, vo = x; c < nk; c++, po += mq, vo += d) {
                    c0 = FloatVector.fromArray(S, st, po).fma(FloatVector.broadcast(S, vb[vo]), c0);
                }
                c0.intoArray(at, o0);
            }
        }
    }

    @Override
    public void finish(float[] o, int oOff, int ldo) {
        // scalar: a scatter of a column into 16 output rows measured 5x slower than this
        for (int r = 0; r < rows; r++) {
            int oo = oOff + r * ldo;
            if (m[r] == Float.NEGATIVE_INFINITY) {
                Arrays.fill(o, oo, oo + d, 0f);
                continue;
            }
            float inv = 1f / l[r];
            for (int c = 0; c < d; c++) o[oo + c] = at[c * mq + r] * inv;
        }
    }
}
