package org.seqmix.kernels.attention;

import java.util.Arrays;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Gemm;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Softmax attention {@code o = softmax(scale · q kᵀ + mask) v} (fla's {@code naive_parallel_attn} /
 * {@code parallel_attn}), token-major: q {@code [B, T, HQ, D]}, k, v {@code [B, T, H, D]}, o {@code [B, T, HQ, D]};
 * grouped queries: query head {@code h} uses kv head {@code h / (HQ / H)}. Rows with no visible key give zeros.
 *
 * <p>Forms: {@link #naive} (the T x T scores per head, the reference), {@link #flash} (tiled online softmax,
 * O(T) extra memory, masked tiles skipped) and {@link #decode} (one token against a {@link KVCache}).
 */
public final class Attention {
    /** Query and key tile sizes of {@link #flash}: 128 query rows share each k/v tile load (two groups of 64). */
    public static final int BLOCK_Q = 128, BLOCK_K = 64;

    private Attention() {}

    /** Shapes of a checked call. */
    record Dims(int b, int t, int hq, int h, int d) {
        int group() {
            return hq / h;
        }
    }

    /** Checks q [B,T,HQ,D], k and v [B,T,H,D], HQ % H == 0 and a finite scale; throws naming the argument. */
    static Dims check(Tensor q, Tensor k, Tensor v, float scale) {
        AttentionChecks.rank4("q", q, "B, T, HQ, D");
        AttentionChecks.rank4("k", k, "B, T, H, D");
        AttentionChecks.rank4("v", v, "B, T, H, D");
        int b = q.dim(0), t = q.dim(1), hq = q.dim(2), d = q.dim(3);
        int h = k.dim(2);
        AttentionChecks.same("k", k, "B, T, H, D", b, t, h, d);
        AttentionChecks.same("v", v, "B, T, H, D", b, t, h, d);
        AttentionChecks.positiveDims("q", q);
        AttentionChecks.positiveDims("k", k);
        if (hq % h != 0) {
            throw new IllegalArgumentException("q: number of query heads HQ=" + hq + " must be a multiple of the kv heads H=" + h
                    + " (q " + Arrays.toString(q.shape()) + ", k " + Arrays.toString(k.shape()) + ")");
        }
        AttentionChecks.scale(scale);
        return new Dims(b, t, hq, h, d);
    }

    /** The default scale {@code D^-0.5}. */
    public static float defaultScale(int headDim) {
        return (float) (1.0 / Math.sqrt(headDim));
    }

    /** Reference form: per (b, head) the T x T scores by GEMM, masked softmax by rows, then P v by GEMM. */
    public static Tensor naive(Tensor q, Tensor k, Tensor v, float scale, AttentionMask mask) {
        Dims n = check(q, k, v, scale);
        Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
        Tensor o = Tensor.zeros(n.b(), n.t(), n.hq(), n.d());
        int t = n.t(), d = n.d();
        Parallel.forRange(n.b() * n.hq(), item -> {
            int b = item / n.hq(), hq = item % n.hq(), h = hq / n.group();
            VectorOps ops = VectorizationProvider.ops();
            float[] p = new float[t * t];
            int qOff = qc.offset() + (b * t * n.hq() + hq) * d;
            int kOff = kc.offset() + (b * t * n.h() + h) * d;
            int vOff = vc.offset() + (b * t * n.h() + h) * d;
            Gemm.sgemm(false, true, t, t, d, scale, qc.data(), qOff, n.hq() * d, kc.data(), kOff, n.h() * d, 0f, p, 0, t);
            for (int i = 0; i < t; i++) {
                boolean any = false;
                for (int j = 0; j < t; j++) {
                    if (mask.visible(i, j)) any = true;
                    else p[i * t + j] = Float.NEGATIVE_INFINITY;
                }
                if (any) {
                    float z = ops.softmax(p, i * t, t);
                    if (!(z > 0)) Arrays.fill(p, i * t, (i + 1) * t, 0f);
                } else {
                    Arrays.fill(p, i * t, (i + 1) * t, 0f);
                }
            }
            Gemm.sgemm(false, false, t, d, t, 1f, p, 0, t, vc.data(), vOff, n.h() * d, 0f, o.data(), (b * t * n.hq() + hq) * d, n.hq() * d);
        });
        return o;
    }

    /**
     * Flash form: query tiles of {@link #BLOCK_Q} rows against key tiles of {@link #BLOCK_K}, online softmax, key
     * tiles the mask removes are skipped (a window w costs O(T·w), sinks O(T·sinks)). Parallel over
     * batch x head x query tile; bit-identical for any thread count.
     */
    public static Tensor flash(Tensor q, Tensor k, Tensor v, float scale, AttentionMask mask) {
        Dims n = check(q, k, v, scale);
        int[] lens = new int[n.b()], rows = new int[n.b()];
        for (int b = 0; b < n.b(); b++) {
            rows[b] = b * n.t();
            lens[b] = n.t();
        }
        return flashSegments(q, k, v, scale, mask, n, rows, lens);
    }

    /**
     * Flash form over packed variable-length sequences (fla's {@code cu_seqlens}): {@code B == 1}, sequence s is
     * tokens {@code [cu_seqlens[s], cu_seqlens[s+1])}, positions restart at 0 in each and no sequence sees another.
     * Equal to running each sequence alone.
     */
    public static Tensor flashVarlen(Tensor q, Tensor k, Tensor v, float scale, AttentionMask mask, int[] cuSeqlens) {
        Dims n = check(q, k, v, scale);
        if (n.b() != 1) throw new IllegalArgumentException("q: packed sequences need B = 1, got " + Arrays.toString(q.shape()));
        org.seqmix.core.Shapes.checkCuSeqlens(cuSeqlens, n.t());
        int segs = cuSeqlens.length - 1;
        int[] rows = new int[segs], lens = new int[segs];
        for (int i = 0; i < segs; i++) {
            rows[i] = cuSeqlens[i];
            lens[i] = cuSeqlens[i + 1] - cuSeqlens[i];
        }
        return flashSegments(q, k, v, scale, mask, n, rows, lens);
    }

    /** Runs independent segments (first token row in the flattened [B*T] token axis, length) of the checked inputs. */
    private static Tensor flashSegments(Tensor q, Tensor k, Tensor v, float scale, AttentionMask mask, Dims n, int[] rows, int[] lens) {
        Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
        Tensor o = Tensor.zeros(n.b(), n.t(), n.hq(), n.d());
        int d = n.d(), hqn = n.hq();
        // work items: (segment, query head, query tile), listed once so the split is the same for any thread count
        int[] tileStart = new int[rows.length + 1];
        for (int s = 0; s < rows.length; s++) tileStart[s + 1] = tileStart[s] + (lens[s] + BLOCK_Q - 1) / BLOCK_Q;
        int tiles = tileStart[rows.length], items = tiles * hqn;
        Parallel.forRange(items, claimed -> {
            // last tiles first: under a causal mask they see the most keys, so the threads finish together
            int item = items - 1 - claimed;
            int hq = item % hqn, tileId = item / hqn;
            int seg = 0;
            while (tileStart[seg + 1] <= tileId) seg++;
            int len = lens[seg], row0 = rows[seg], h = hq / n.group();
            int i0 = (tileId - tileStart[seg]) * BLOCK_Q, nrows = Math.min(BLOCK_Q, len - i0);
            FlashTile tile = FlashTile.get(BLOCK_Q, BLOCK_K, d);
            int ldq = hqn * d, ldk = n.h() * d;
            int qOff = qc.offset() + ((row0 + i0) * hqn + hq) * d;
            tile.begin(qc.data(), qOff, ldq, nrows, scale);
            for (int j0 = 0; j0 < len; j0 += BLOCK_K) {
                int nk = Math.min(BLOCK_K, len - j0);
                if (!mask.anyVisible(i0, i0 + nrows, j0, j0 + nk)) {
                    if (mask.causal() && j0 > i0 + nrows - 1) break; // all later tiles are in the future
                    if (mask.hasWindow() && j0 >= mask.numSinkTokens()) {
                        // jump to the tile holding the first key in the window of the first query
                        int first = mask.windowStart(i0) / BLOCK_K * BLOCK_K;
                        if (first > j0) j0 = first - BLOCK_K;
                    }
                    continue;
                }
                int kOff = kc.offset() + ((row0 + j0) * n.h() + h) * d;
                int vOff = vc.offset() + ((row0 + j0) * n.h() + h) * d;
                tile.accumulate(kc.data(), kOff, ldk, vc.data(), vOff, ldk, i0, j0, nk, mask);
            }
            tile.finish(o.data(), ((row0 + i0) * hqn + hq) * d, hqn * d);
        });
        return o;
    }

    /**
     * Decode form: appends one token's {@code k, v [B, H, D]} to the cache and attends {@code q [B, HQ, D]} over
     * the cached keys its mask allows, writing {@code o [B, HQ, D]}. Allocation-free (scratch lives in the cache);
     * a rejected call leaves the cache unchanged.
     */
    public static void decode(KVCache cache, Tensor q, Tensor k, Tensor v, float scale, Tensor o) {
        cache.checkStep(q, k, v, o);
        AttentionChecks.scale(scale);
        cache.appendToken(k, v);
        cache.attendLast(q, scale, o);
    }

    /**
     * Non-causal decode: attends {@code q [B, HQ, D]} over every token in a growing cache without appending
     * (e.g. an encoder's keys filled by {@link KVCache#append(Tensor, Tensor)}).
     */
    public static void attendAll(KVCache cache, Tensor q, float scale, Tensor o) {
        AttentionChecks.same3("q", q, "B, HQ, D", cache.batch, cache.numQueryHeads, cache.headDim);
        AttentionChecks.same3("o", o, "B, HQ, D", cache.batch, cache.numQueryHeads, cache.headDim);
        if (!q.isContiguous() || !o.isContiguous()) throw new IllegalArgumentException("q, o: decode needs contiguous tensors");
        AttentionChecks.scale(scale);
        if (cache.ring) throw new IllegalArgumentException("cache: attendAll needs a growing cache, got a ring cache");
        if (cache.length() == 0) throw new IllegalArgumentException("cache: empty, nothing to attend");
        cache.attendAll(q, scale, o);
    }
}
