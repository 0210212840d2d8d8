package org.seqmix.kernels.attention;

import java.util.Arrays;
import org.seqmix.kernels.Gemm;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Flash-attention accumulator for one tile of query rows against a stream of key tiles: running row max
 * {@code m}, running normaliser {@code l} and an accumulator {@code acc} rescaled whenever the max grows, so the
 * full score row is never held. Scores and P·V go through {@link Gemm#sgemm} on the tile: the scalar floor of
 * {@link FlashTile} (and the twin the SIMD tile is tested against). Not thread-safe.
 */
final class OnlineSoftmaxTile implements FlashTile {
    private final int maxRows, maxKeys, d;
    private final float[] s; // [maxRows, maxKeys] scores, then probabilities
    private final float[] acc; // [maxRows, d]
    private final float[] m, l;
    private int rows;
    private float[] q;
    private int qOff, ldq;
    private float scale;

    OnlineSoftmaxTile(int maxRows, int maxKeys, int d) {
        this.maxRows = maxRows;
        this.maxKeys = maxKeys;
        this.d = d;
        this.s = new float[maxRows * maxKeys];
        this.acc = new float[maxRows * d];
        this.m = new float[maxRows];
        this.l = new float[maxRows];
    }

    @Override public int maxRows() { return maxRows; }
    @Override public int maxKeys() { return maxKeys; }
    @Override public int headDim() { return d; }

    @Override
    public void begin(float[] q, int qOff, int ldq, int rows, float scale) {
        if (rows > maxRows) throw new IllegalStateException("tile rows " + rows + " > " + maxRows);
        this.rows = rows;
        this.q = q;
        this.qOff = qOff;
        this.ldq = ldq;
        this.scale = scale;
        Arrays.fill(m, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(l, 0, rows, 0f);
        Arrays.fill(acc, 0, rows * d, 0f);
    }

    @Override
    public void accumulate(float[] k, int kOff, int ldk, float[] v, int vOff, int ldv, int i0, int j0, int nk, AttentionMask mask) {
        if (nk > maxKeys) throw new IllegalStateException("tile keys " + nk + " > " + maxKeys);
        VectorOps ops = VectorizationProvider.ops();
        Gemm.sgemm(false, true, rows, nk, d, scale, q, qOff, ldq, k, kOff, ldk, 0f, s, 0, nk);
        boolean dense = mask.allVisible(i0, i0 + rows, j0, j0 + nk);
        for (int r = 0; r < rows; r++) {
            int so = r * nk;
            int i = i0 + r;
            if (!dense) {
                for (int c = 0; c < nk; c++) if (!mask.visible(i, j0 + c)) s[so + c] = Float.NEGATIVE_INFINITY;
            }
            float rowMax = ops.max(s, so, nk);
            if (rowMax == Float.NEGATIVE_INFINITY) {
                Arrays.fill(s, so, so + nk, 0f); // nothing visible in this tile for this row
                continue;
            }
            float mNew = Math.max(m[r], rowMax);
            if (mNew > m[r]) {
                // rescale what was accumulated under the old max
                float alpha = m[r] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(m[r] - mNew);
                ops.scale(alpha, acc, r * d, d);
                l[r] *= alpha;
                m[r] = mNew;
            }
            for (int c = 0; c < nk; c++) s[so + c] -= mNew;
            ops.exp(s, so, s, so, nk);
            l[r] += ops.sum(s, so, nk);
        }
        Gemm.sgemm(false, false, rows, d, nk, 1f, s, 0, nk, v, vOff, ldv, 1f, acc, 0, d);
    }

    @Override
    public void finish(float[] o, int oOff, int ldo) {
        VectorOps ops = VectorizationProvider.ops();
        for (int r = 0; r < rows; r++) {
            int oo = oOff + r * ldo;
            if (l[r] == 0f) {
                Arrays.fill(o, oo, oo + d, 0f);
            } else {
                System.arraycopy(acc, r * d, o, oo, d);
                ops.scale(1f / l[r], o, oo, d);
            }
        }
    }
}
