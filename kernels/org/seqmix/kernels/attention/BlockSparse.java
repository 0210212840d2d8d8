package org.seqmix.kernels.attention;

import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/**
 * Static and dynamic block-sparse softmax attention. The sequence is cut into blocks of {@code block_size}
 * tokens; query block i attends key block j when {@code block_mask[b, h, i, j]} is set (and, when causal,
 * only keys {@code j <= i} inside the blocks). q {@code [B, T, HQ, D]}, k, v {@code [B, T, H, D]}, mask
 * {@code [B, HQ, nb, nb]} with {@code nb = ceil(T / block_size)}. Only set blocks are visited; rows with no
 * visible key give zeros.
 */
public final class BlockSparse {
    private BlockSparse() {}

    /** Block-sparse attention with a static {@code block_mask}. */
    public static Tensor forward(Tensor q, Tensor k, Tensor v, BlockMask blockMask, int blockSize, boolean causal, float scale) {
        Attention.Dims n = Attention.check(q, k, v, scale);
        AttentionChecks.positive("block_size", blockSize);
        if (blockMask == null) throw new IllegalArgumentException("block_mask: expected a mask, got null");
        int t = n.t(), d = n.d();
        int nb = (t + blockSize - 1) / blockSize;
        blockMask.check(n.b(), n.hq(), nb, nb);
        Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
        Tensor o = Tensor.zeros(n.b(), t, n.hq(), d);
        AttentionMask inner = causal ? AttentionMask.CAUSAL : AttentionMask.FULL;
        Parallel.forRange(n.b() * n.hq() * nb, item -> {
            int i = item % nb, bh = item / nb;
            int b = bh / n.hq(), hq = bh % n.hq(), h = hq / n.group();
            int i0 = i * blockSize, rows = Math.min(blockSize, t - i0);
            FlashTile tile = FlashTile.get(blockSize, blockSize, d);
            int ldq = n.hq() * d, ldk = n.h() * d;
            int qOff = qc.offset() + ((b * t + i0) * n.hq() + hq) * d;
            tile.begin(qc.data(), qOff, ldq, rows, scale);
            int last = causal ? i : nb - 1;
            for (int j = 0; j <= last; j++) {
                if (!blockMask.get(b, hq, i, j)) continue;
                int j0 = j * blockSize, nk = Math.min(blockSize, t - j0);
                int kOff = kc.offset() + ((b * t + j0) * n.h() + h) * d;
                int vOff = vc.offset() + ((b * t + j0) * n.h() + h) * d;
                tile.accumulate(kc.data(), kOff, ldk, vc.data(), vOff, ldk, i0, j0, nk, inner);
            }
            tile.finish(o.data(), (b * t + i0) * n.hq() * d + hq * d, n.hq() * d);
        });
        return o;
    }

    /**
     * Dynamic (MoBA-style) block-sparse causal attention: each query block keeps itself plus the {@code topK}
     * earlier key blocks whose mean key has the largest dot with the block's mean query ({@link BlockSelection#topK}).
     */
    public static Tensor forwardTopK(Tensor q, Tensor k, Tensor v, int blockSize, int topK, float scale) {
        BlockMask mask = BlockSelection.topK(q, k, blockSize, topK);
        return forward(q, k, v, mask, blockSize, true, scale);
    }

    /**
     * Causal decode with a static mask: appends one token's {@code k, v [B, H, D]} to the cache and attends
     * {@code q [B, HQ, D]} over the keys of the mask row of the token's block ({@code block_mask} must be
     * {@code [B, HQ, nq, nk]} with enough blocks for the position). Allocation-free; a rejected call changes nothing.
     */
    public static void decode(BlockKVCache cache, BlockMask blockMask, Tensor q, Tensor k, Tensor v, float scale, Tensor o) {
        cache.kv.checkStep(q, k, v, o);
        AttentionChecks.scale(scale);
        if (blockMask == null) throw new IllegalArgumentException("block_mask: expected a mask, got null");
        int bi = cache.length() / cache.blockSize;
        if (blockMask.batch() != cache.kv.batch || blockMask.heads() != cache.kv.numQueryHeads
                || blockMask.queryBlocks() <= bi || blockMask.keyBlocks() <= bi) {
            throw new IllegalArgumentException("block_mask: expected shape [" + cache.kv.batch + ", " + cache.kv.numQueryHeads + ", >" + bi + ", >" + bi
                    + "] (B, HQ, nq, nk) for the token at position " + cache.length() + ", got " + java.util.Arrays.toString(blockMask.shape()));
        }
        cache.appendToken(k, v);
        cache.attendStatic(blockMask, q, scale, o);
    }

    /**
     * Causal decode with dynamic selection: the new token keeps its own block plus the {@code topK} earlier blocks
     * whose mean key (running sums kept in the cache) has the largest dot with the token's query (MoBA's
     * per-token gate). Allocation-free; a rejected call changes nothing.
     */
    public static void decodeTopK(BlockKVCache cache, int topK, Tensor q, Tensor k, Tensor v, float scale, Tensor o) {
        cache.kv.checkStep(q, k, v, o);
        AttentionChecks.scale(scale);
        if (topK < 0) throw new IllegalArgumentException("top_k: expected >= 0, got " + topK);
        cache.appendToken(k, v);
        cache.attendTopK(topK, q, scale, o);
    }
}
