package org.seqmix.kernels.attention;

import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Dynamic block selection (MoBA style) and how much attention it keeps. Blocks are {@code block_size} tokens;
 * query block i is scored against each earlier key block j by {@code mean(q[block i]) · mean(k[block j])}; the
 * current block plus the {@code topK} best earlier ones are kept.
 */
public final class BlockSelection {
    private BlockSelection() {}

    /** The selected causal mask {@code [B, HQ, nb, nb]} for q {@code [B, T, HQ, D]}, k {@code [B, T, H, D]}. */
    public static BlockMask topK(Tensor q, Tensor k, int blockSize, int topK) {
        Attention.Dims n = Attention.check(q, k, k, 1f);
        AttentionChecks.positive("block_size", blockSize);
        if (topK < 0) throw new IllegalArgumentException("top_k: expected >= 0, got " + topK);
        int t = n.t(), d = n.d(), nb = (t + blockSize - 1) / blockSize;
        Tensor qc = q.contiguous(), kc = k.contiguous();
        BlockMask mask = BlockMask.empty(n.b(), n.hq(), nb, nb);
        Parallel.forRange(n.b() * n.hq(), item -> {
            int b = item / n.hq(), hq = item % n.hq(), h = hq / n.group();
            float[] mq = blockMeans(qc, b, hq, n.hq(), t, d, blockSize, nb);
            float[] mk = blockMeans(kc, b, h, n.h(), t, d, blockSize, nb);
            VectorOps ops = VectorizationProvider.ops();
            float[] s = new float[nb];
            boolean[] taken = new boolean[nb];
            for (int i = 0; i < nb; i++) {
                mask.set(b, hq, i, i, true);
                for (int j = 0; j < i; j++) {
                    s[j] = ops.dot(mq, i * d, mk, j * d, d);
                    taken[j] = false;
                }
                for (int r = 0; r < Math.min(topK, i); r++) {
                    int best = -1;
                    for (int j = 0; j < i; j++) if (!taken[j] && (best < 0 || s[j] > s[best])) best = j;
                    taken[best] = true;
                    mask.set(b, hq, i, best, true);
                }
            }
        });
        return mask;
    }

    /** Per block the mean of rows {@code x[b, block, head, :]}, as {@code [nb, d]}. */
    private static float[] blockMeans(Tensor x, int b, int head, int heads, int t, int d, int blockSize, int nb) {
        VectorOps ops = VectorizationProvider.ops();
        float[] m = new float[nb * d];
        for (int i = 0; i < t; i++) {
            ops.axpy(1f, x.data(), x.offset() + ((b * t + i) * heads + head) * d, m, (i / blockSize) * d, d);
        }
        for (int j = 0; j < nb; j++) ops.scale(1f / (Math.min(t, (j + 1) * blockSize) - j * blockSize), m, j * d, d);
        return m;
    }

    /**
     * Recall of a causal block mask: the fraction of full causal softmax attention mass that falls in the selected
     * blocks, averaged over every (b, query head, position). 1 means the sparse pattern misses nothing.
     */
    public static double recall(Tensor q, Tensor k, float scale, BlockMask mask, int blockSize) {
        Attention.Dims n = Attention.check(q, k, k, scale);
        AttentionChecks.positive("block_size", blockSize);
        int t = n.t(), d = n.d(), nb = (t + blockSize - 1) / blockSize;
        mask.check(n.b(), n.hq(), nb, nb);
        Tensor qc = q.contiguous(), kc = k.contiguous();
        double[] perItem = new double[n.b() * n.hq()];
        Parallel.forRange(perItem.length, item -> {
            int b = item / n.hq(), hq = item % n.hq(), h = hq / n.group();
            VectorOps ops = VectorizationProvider.ops();
            float[] s = new float[t];
            double total = 0;
            for (int i = 0; i < t; i++) {
                int qo = qc.offset() + ((b * t + i) * n.hq() + hq) * d;
                for (int j = 0; j <= i; j++) s[j] = scale * ops.dot(qc.data(), qo, kc.data(), kc.offset() + ((b * t + j) * n.h() + h) * d, d);
                ops.softmax(s, 0, i + 1);
                double kept = 0;
                for (int j = 0; j <= i; j++) if (mask.get(b, hq, i / blockSize, j / blockSize)) kept += s[j];
                total += kept;
            }
            perItem[item] = total / t;
        });
        double sum = 0;
        for (double x : perItem) sum += x;
        return sum / perItem.length;
    }
}
