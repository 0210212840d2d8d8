package org.seqmix.kernels.attention;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD {@link FlashTile}: scores and softmax are vectorised over the query rows of the tile, so the online softmax
 * needs no horizontal reduction. Per tile it keeps {@code scale·qᵀ [D, rows]}, the scores {@code sᵀ [keys, rows]}
 * and the accumulator {@code acc [rows, D]}; a key tile's v rows are copied into a contiguous buffer once (its rows are
 * H·D apart, which would alias in L1), its k rows are read in place (4 at a time, sequentially); both serve every
 * group of 4 query vectors (64 rows on AVX-512):
 * <ol>
 *   <li>{@code sᵀ = k · (scale·qᵀ)}: register block of 4 keys x 4 query vectors (16 accumulators; per step 4
 *       loads of qᵀ and 4 broadcasts of k);</li>
 *   <li>online softmax down the key axis: lane-wise max, {@code p = exp(s - m)}, lane-wise sum (keys in order,
 *       so deterministic), {@code alpha = exp(m_old - m_new)};</li>
 *   <li>{@code acc = alpha·acc + pᵀ v}: register block of 4 query rows x 4 vectors of the head.</li>
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
    private final float[] vb; // [maxKeys][d] the key tile's v rows, contiguous (P·V reads each 4x per row quad)
    private final float[] st; // [maxKeys + 1][mq] scores, then probabilities; row nk carries m_old -> alpha
    private final float[] at; // [maxRows][d] accumulator
    private final float[] m, l; // [mq] running max and normaliser per query
    private final int[] lanes = new int[L]; // lane * ldq: gather offsets of one column of 16 query rows
    private int rows, nv;
    private float[] ka; // the key tile's rows, read in place: ka[kBase + c * kLd + x]
    private int kBase, kLd;

    PanamaFlashTile(int maxRows, int maxKeys, int d) {
        this.maxRows = maxRows;
        this.maxKeys = maxKeys;
        this.d = d;
        this.mq = (maxRows + L - 1) / L * L;
        this.qt = new float[d * mq];
        this.vb = new float[maxKeys * d];
        this.st = new float[(maxKeys + 1) * mq];
        this.at = new float[maxRows * d];
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
        Arrays.fill(at, 0, rows * d, 0f);
    }

    @Override
    public void accumulate(float[] k, int kOff, int ldk, float[] v, int vOff, int ldv, int i0, int j0, int nk, AttentionMask mask) {
        if (nk > maxKeys) throw new IllegalStateException("tile keys " + nk + " > " + maxKeys);
        for (int c = 0; c < nk; c++) {
            System.arraycopy(v, vOff + c * ldv, vb, c * d, d);
        }
        ka = k;
        kBase = kOff;
        kLd = ldk;
        for (int g = 0; g < nv; g += 4) {
            int gv = Math.min(4, nv - g), r0 = g * L, r1 = Math.min(rows, r0 + gv * L);
            if (!mask.anyVisible(i0 + r0, i0 + r1, j0, j0 + nk)) continue;
            if (gv == 4) scores4(r0, nk, mask.causal() ? j0 - i0 - r0 : -nk);
            else scores1(r0, gv, nk);
            if (!mask.allVisible(i0 + r0, i0 + r1, j0, j0 + nk)) hide(r0, r1, i0, j0, nk, mask);
            // causal: row r sees keys c < r + 1 - diag of this tile (probabilities past that are exactly 0)
            int diag = mask.causal() ? j0 - i0 : -nk;
            softmax(r0, gv, nk, diag);
            pv(r0, r1, nk, diag);
        }
        ka = null; // the tile outlives the call (one per thread): do not keep the caller's keys reachable
    }

    /** sᵀ[c, r0 .. r0 + 4L) = k[c] · qtᵀ for every key c of the tile. */
    private void scores4(int r0, int nk, int diag) {
        int c = 0;
        for (; c + 4 <= nk; c += 4) {
            // causal: the first vector with a row that sees key c; vectors before it are hidden anyway
            int first = Math.max(0, c + diag) / L;
            if (first > 0) {
                for (int u = first; u < 4; u++) scoresQuad1(r0 + u * L, c);
                continue;
            }
            FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
            int k0 = kBase + c * kLd, k1 = k0 + kLd, k2 = k1 + kLd, k3 = k2 + kLd;
            for (int x = 0, qo = r0; x < d; x++, qo += mq) {
                FloatVector q0 = FloatVector.fromArray(S, qt, qo), q1 = FloatVector.fromArray(S, qt, qo + L);
                FloatVector q2 = FloatVector.fromArray(S, qt, qo + 2 * L), q3 = FloatVector.fromArray(S, qt, qo + 3 * L);
                FloatVector b = FloatVector.broadcast(S, ka[k0 + x]);
                s00 = q0.fma(b, s00); s01 = q1.fma(b, s01); s02 = q2.fma(b, s02); s03 = q3.fma(b, s03);
                b = FloatVector.broadcast(S, ka[k1 + x]);
                s10 = q0.fma(b, s10); s11 = q1.fma(b, s11); s12 = q2.fma(b, s12); s13 = q3.fma(b, s13);
                b = FloatVector.broadcast(S, ka[k2 + x]);
                s20 = q0.fma(b, s20); s21 = q1.fma(b, s21); s22 = q2.fma(b, s22); s23 = q3.fma(b, s23);
                b = FloatVector.broadcast(S, ka[k3 + x]);
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
            int k0 = kBase + c * kLd;
            for (int x = 0, qo = r0; x < d; x++, qo += mq) {
                FloatVector b = FloatVector.broadcast(S, ka[k0 + x]);
                s0 = FloatVector.fromArray(S, qt, qo).fma(b, s0);
                s1 = FloatVector.fromArray(S, qt, qo + L).fma(b, s1);
                s2 = FloatVector.fromArray(S, qt, qo + 2 * L).fma(b, s2);
                s3 = FloatVector.fromArray(S, qt, qo + 3 * L).fma(b, s3);
            }
            int o0 = c * mq + r0;
            s0.intoArray(st, o0); s1.intoArray(st, o0 + L); s2.intoArray(st, o0 + 2 * L); s3.intoArray(st, o0 + 3 * L);
        }
    }

    /** sᵀ[c .. c + 4, ro .. ro + L): 4 keys against one query vector. */
    private void scoresQuad1(int ro, int c) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int k0 = kBase + c * kLd, k1 = k0 + kLd, k2 = k1 + kLd, k3 = k2 + kLd;
        for (int x = 0, qo = ro; x < d; x++, qo += mq) {
            FloatVector q0 = FloatVector.fromArray(S, qt, qo);
            s0 = q0.fma(FloatVector.broadcast(S, ka[k0 + x]), s0);
            s1 = q0.fma(FloatVector.broadcast(S, ka[k1 + x]), s1);
            s2 = q0.fma(FloatVector.broadcast(S, ka[k2 + x]), s2);
            s3 = q0.fma(FloatVector.broadcast(S, ka[k3 + x]), s3);
        }
        int o0 = c * mq + ro;
        s0.intoArray(st, o0); s1.intoArray(st, o0 + mq); s2.intoArray(st, o0 + 2 * mq); s3.intoArray(st, o0 + 3 * mq);
    }

    /** As {@link #scores4} for a group of fewer than 4 query vectors (the last rows of a tile). */
    private void scores1(int r0, int gv, int nk) {
        for (int u = 0; u < gv; u++) {
            int ro = r0 + u * L;
            for (int c = 0; c < nk; c++) {
                FloatVector s0 = FloatVector.zero(S);
                int k0 = kBase + c * kLd;
                for (int x = 0, qo = ro; x < d; x++, qo += mq) {
                    s0 = FloatVector.fromArray(S, qt, qo).fma(FloatVector.broadcast(S, ka[k0 + x]), s0);
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
            // causal: query i sees j only when i >= j. Whole query vectors before j's own are never read (softmax
            // and P·V stop at their last visible key), so only the rows of j's vector are hidden
            int end = Math.min(r1, Math.max(r0, j - i0));
            for (int r = Math.max(r0, end / L * L); r < end; r++) st[so + r] = Float.NEGATIVE_INFINITY;
            if (mask.hasWindow() && j >= mask.numSinkTokens()) {
                // window: i - j < w, so rows with i >= j + w do not see j
                long first = (long) j + mask.windowSize() - i0;
                for (int r = (int) Math.max(r0, Math.min(r1, first)); r < r1; r++) st[so + r] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Online softmax for the query vectors [r0, r0 + gv·L): probabilities into sᵀ, alpha into row nk. */
    private void softmax(int r0, int gv, int nk, int diag) {
        for (int u = 0; u < gv; u++) {
            int ro = r0 + u * L;
            // keys [n, nk) are above the diagonal for every row of this vector: -Inf scores, p = 0, never read
            int n = Math.max(0, Math.min(nk, ro + L - diag));
            if (n == 0) {
                FloatVector.broadcast(S, 1f).intoArray(st, nk * mq + ro); // alpha = 1: nothing changes
                continue;
            }
            FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int c = 0, so = ro; c < n; c++, so += mq) mx = mx.max(FloatVector.fromArray(S, st, so));
            FloatVector mOld = FloatVector.fromArray(S, m, ro);
            FloatVector mNew = mOld.max(mx);
            // rows that have seen nothing visible yet keep m = -Inf; subtract 0 there so exp(-Inf) gives 0, not NaN
            FloatVector mSub = mNew.blend(0f, mNew.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            mNew.intoArray(m, ro);
            mOld.intoArray(st, nk * mq + ro);
            FloatVector sum = FloatVector.zero(S);
            // keys 0..n-1 give p (summed in key order), then row nk gives alpha = exp(m_old - m_new)
            for (int c = 0, so = ro; c <= nk; c = c + 1 == n ? nk : c + 1, so = c * mq + ro) {
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

    /**
     * acc[r] = alpha_r · acc[r] + Σ_c p[c, r] · v[c] for the query rows [r0, r1): register block of 4 rows x 4
     * vectors of the head (16 accumulators; per key 4 loads of v and 4 broadcasts of p, which sit side by side
     * in sᵀ). acc stays row-major, so {@link #finish} writes rows without a transpose.
     */
    private void pv(int r0, int r1, int nk, int diag) {
        int ao = nk * mq, dv = S.loopBound(d);
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            int n = Math.max(0, Math.min(nk, r + 4 - diag));
            float a0 = st[ao + r], a1 = st[ao + r + 1], a2 = st[ao + r + 2], a3 = st[ao + r + 3];
            int o0 = r * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            int x = 0;
            for (; x + 4 * L <= dv; x += 4 * L) {
                FloatVector c00 = FloatVector.fromArray(S, at, o0 + x).mul(a0), c01 = FloatVector.fromArray(S, at, o0 + x + L).mul(a0);
                FloatVector c02 = FloatVector.fromArray(S, at, o0 + x + 2 * L).mul(a0), c03 = FloatVector.fromArray(S, at, o0 + x + 3 * L).mul(a0);
                FloatVector c10 = FloatVector.fromArray(S, at, o1 + x).mul(a1), c11 = FloatVector.fromArray(S, at, o1 + x + L).mul(a1);
                FloatVector c12 = FloatVector.fromArray(S, at, o1 + x + 2 * L).mul(a1), c13 = FloatVector.fromArray(S, at, o1 + x + 3 * L).mul(a1);
                FloatVector c20 = FloatVector.fromArray(S, at, o2 + x).mul(a2), c21 = FloatVector.fromArray(S, at, o2 + x + L).mul(a2);
                FloatVector c22 = FloatVector.fromArray(S, at, o2 + x + 2 * L).mul(a2), c23 = FloatVector.fromArray(S, at, o2 + x + 3 * L).mul(a2);
                FloatVector c30 = FloatVector.fromArray(S, at, o3 + x).mul(a3), c31 = FloatVector.fromArray(S, at, o3 + x + L).mul(a3);
                FloatVector c32 = FloatVector.fromArray(S, at, o3 + x + 2 * L).mul(a3), c33 = FloatVector.fromArray(S, at, o3 + x + 3 * L).mul(a3);
                for (int c = 0, po = r, vo = x; c < n; c++, po += mq, vo += d) {
                    FloatVector v0 = FloatVector.fromArray(S, vb, vo), v1 = FloatVector.fromArray(S, vb, vo + L);
                    FloatVector v2 = FloatVector.fromArray(S, vb, vo + 2 * L), v3 = FloatVector.fromArray(S, vb, vo + 3 * L);
                    FloatVector p = FloatVector.broadcast(S, st[po]);
                    c00 = v0.fma(p, c00); c01 = v1.fma(p, c01); c02 = v2.fma(p, c02); c03 = v3.fma(p, c03);
                    p = FloatVector.broadcast(S, st[po + 1]);
                    c10 = v0.fma(p, c10); c11 = v1.fma(p, c11); c12 = v2.fma(p, c12); c13 = v3.fma(p, c13);
                    p = FloatVector.broadcast(S, st[po + 2]);
                    c20 = v0.fma(p, c20); c21 = v1.fma(p, c21); c22 = v2.fma(p, c22); c23 = v3.fma(p, c23);
                    p = FloatVector.broadcast(S, st[po + 3]);
                    c30 = v0.fma(p, c30); c31 = v1.fma(p, c31); c32 = v2.fma(p, c32); c33 = v3.fma(p, c33);
                }
                c00.intoArray(at, o0 + x); c01.intoArray(at, o0 + x + L); c02.intoArray(at, o0 + x + 2 * L); c03.intoArray(at, o0 + x + 3 * L);
                c10.intoArray(at, o1 + x); c11.intoArray(at, o1 + x + L); c12.intoArray(at, o1 + x + 2 * L); c13.intoArray(at, o1 + x + 3 * L);
                c20.intoArray(at, o2 + x); c21.intoArray(at, o2 + x + L); c22.intoArray(at, o2 + x + 2 * L); c23.intoArray(at, o2 + x + 3 * L);
                c30.intoArray(at, o3 + x); c31.intoArray(at, o3 + x + L); c32.intoArray(at, o3 + x + 2 * L); c33.intoArray(at, o3 + x + 3 * L);
            }
            for (; x < dv; x += L) {
                FloatVector c0 = FloatVector.fromArray(S, at, o0 + x).mul(a0), c1 = FloatVector.fromArray(S, at, o1 + x).mul(a1);
                FloatVector c2 = FloatVector.fromArray(S, at, o2 + x).mul(a2), c3 = FloatVector.fromArray(S, at, o3 + x).mul(a3);
                for (int c = 0, po = r, vo = x; c < n; c++, po += mq, vo += d) {
                    FloatVector v0 = FloatVector.fromArray(S, vb, vo);
                    c0 = v0.fma(FloatVector.broadcast(S, st[po]), c0);
                    c1 = v0.fma(FloatVector.broadcast(S, st[po + 1]), c1);
                    c2 = v0.fma(FloatVector.broadcast(S, st[po + 2]), c2);
                    c3 = v0.fma(FloatVector.broadcast(S, st[po + 3]), c3);
                }
                c0.intoArray(at, o0 + x); c1.intoArray(at, o1 + x); c2.intoArray(at, o2 + x); c3.intoArray(at, o3 + x);
            }
            for (int i = 0; i < 4; i++) pvScalarTail(r + i, dv, nk, n);
        }
        for (; r < r1; r++) {
            int n = Math.max(0, Math.min(nk, r + 1 - diag));
            float a = st[ao + r];
            int o0 = r * d;
            for (int x = 0; x < dv; x += L) {
                FloatVector c0 = FloatVector.fromArray(S, at, o0 + x).mul(a);
                for (int c = 0, po = r, vo = x; c < n; c++, po += mq, vo += d) {
                    c0 = FloatVector.fromArray(S, vb, vo).fma(FloatVector.broadcast(S, st[po]), c0);
                }
                c0.intoArray(at, o0 + x);
            }
            pvScalarTail(r, dv, nk, n);
        }
    }

    /** Head columns [from, d) of {@link #pv} for row r over keys [0, n) (D not a multiple of the vector length). */
    private void pvScalarTail(int r, int from, int nk, int n) {
        float a = st[nk * mq + r];
        for (int x = from; x < d; x++) {
            float acc = at[r * d + x] * a;
            for (int c = 0; c < n; c++) acc = Math.fma(st[c * mq + r], vb[c * d + x], acc);
            at[r * d + x] = acc;
        }
    }

    @Override
    public void finish(float[] o, int oOff, int ldo) {
        int dv = S.loopBound(d);
        for (int r = 0; r < rows; r++) {
            int oo = oOff + r * ldo, ao = r * d;
            if (m[r] == Float.NEGATIVE_INFINITY) {
                Arrays.fill(o, oo, oo + d, 0f);
                continue;
            }
            float inv = 1f / l[r];
            int x = 0;
            for (; x < dv; x += L) FloatVector.fromArray(S, at, ao + x).mul(inv).intoArray(o, oo + x);
            for (; x < d; x++) o[oo + x] = at[ao + x] * inv;
        }
    }
}
