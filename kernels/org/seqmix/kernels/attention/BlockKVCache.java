package org.seqmix.kernels.attention;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * The decode cache of {@link BlockSparse}: a growing {@link KVCache} plus, per kv head and block, the running sum
 * of its keys (the block's mean key times its length) used to pick blocks for a new token. All scratch is
 * preallocated. Not thread-safe.
 */
public final class BlockKVCache {
    final KVCache kv;
    final int blockSize, maxBlocks;
    private final float[] keySums; // [B, H, maxBlocks, D]
    private final int[] selected; // [B * HQ, maxBlocks] chosen block ids, ascending
    private final int[] numSelected; // [B * HQ]
    private final float[] blockScores; // [B * HQ, maxBlocks]
    private final float[] scores; // [B * HQ, capacity]
    private final DecodeKernel kernel = DecodeKernel.get(); // float32 entries: q and o in natural order

    private Tensor curQ, curO;
    private float curScale;
    private BlockMask curMask;
    private int curTopK;
    private final IntConsumer staticBody = this::selectStatic;
    private final IntConsumer topKBody = this::selectTopK;

    public BlockKVCache(int batch, int numQueryHeads, int numKvHeads, int headDim, int blockSize, int capacity) {
        AttentionChecks.positive("block_size", blockSize);
        this.kv = KVCache.growing(batch, numQueryHeads, numKvHeads, headDim, capacity, AttentionMask.CAUSAL);
        this.blockSize = blockSize;
        this.maxBlocks = (capacity + blockSize - 1) / blockSize;
        this.keySums = new float[batch * numKvHeads * maxBlocks * headDim];
        this.selected = new int[batch * numQueryHeads * maxBlocks];
        this.numSelected = new int[batch * numQueryHeads];
        this.blockScores = new float[batch * numQueryHeads * maxBlocks];
        this.scores = new float[batch * numQueryHeads * capacity];
    }

    public int length() { return kv.length(); }
    public int blockSize() { return blockSize; }
    public KVCache kv() { return kv; }
    public long bytes() { return kv.bytes() + 4L * (keySums.length + selected.length + blockScores.length + scores.length); }

    public void reset() {
        kv.reset();
        Arrays.fill(keySums, 0f);
    }

    /** Appends one token (checked by the caller) and adds its keys to the running block sums. */
    void appendToken(Tensor k, Tensor v) {
        int p = kv.length();
        kv.appendToken(k, v);
        int blk = p / blockSize, d = kv.headDim;
        VectorOps ops = VectorizationProvider.ops();
        for (int b = 0; b < kv.batch; b++) {
            for (int h = 0; h < kv.numKvHeads; h++) {
                ops.axpy(1f, k.data(), k.offset() + (b * kv.numKvHeads + h) * d, keySums, ((b * kv.numKvHeads + h) * maxBlocks + blk) * d, d);
            }
        }
    }

    /**
     * Appends a prefill {@code k, v [B, T, H, D]} and its block key sums; rejected without change when the cache
     * lacks room.
     */
    public void append(Tensor kSeq, Tensor vSeq) {
        int p0 = kv.length();
        kv.append(kSeq, vSeq);
        Tensor kc = kSeq.contiguous();
        int t = kc.dim(1), d = kv.headDim, h = kv.numKvHeads;
        VectorOps ops = VectorizationProvider.ops();
        for (int b = 0; b < kv.batch; b++) {
            for (int i = 0; i < t; i++) {
                int blk = (p0 + i) / blockSize;
                for (int hi = 0; hi < h; hi++) {
                    ops.axpy(1f, kc.data(), kc.offset() + ((b * t + i) * h + hi) * d, keySums, ((b * h + hi) * maxBlocks + blk) * d, d);
                }
            }
        }
    }

    void attendStatic(BlockMask mask, Tensor q, float scale, Tensor o) {
        curMask = mask;
        run(staticBody, q, scale, o);
        curMask = null;
    }

    void attendTopK(int topK, Tensor q, float scale, Tensor o) {
        curTopK = topK;
        run(topKBody, q, scale, o);
    }

    private void run(IntConsumer body, Tensor q, float scale, Tensor o) {
        curQ = q;
        curO = o;
        curScale = scale;
        Parallel.forRange(kv.batch * kv.numQueryHeads, body);
        curQ = null;
        curO = null;
    }

    private void selectStatic(int item) {
        int b = item / kv.numQueryHeads, hq = item % kv.numQueryHeads;
        int bi = (kv.length() - 1) / blockSize;
        int n = 0, so = item * maxBlocks;
        for (int j = 0; j <= bi; j++) if (curMask.get(b, hq, bi, j)) selected[so + n++] = j;
        numSelected[item] = n;
        attendSelected(item);
    }

    private void selectTopK(int item) {
        int b = item / kv.numQueryHeads, hq = item % kv.numQueryHeads;
        int h = hq / (kv.numQueryHeads / kv.numKvHeads), d = kv.headDim;
        int bi = (kv.length() - 1) / blockSize;
        int so = item * maxBlocks;
        VectorOps ops = VectorizationProvider.ops();
        // earlier blocks are complete: mean key = sum / blockSize
        for (int j = 0; j < bi; j++) {
            blockScores[so + j] = ops.dot(curQ.data(), curQ.offset() + item * d, keySums, ((b * kv.numKvHeads + h) * maxBlocks + j) * d, d) / blockSize;
        }
        int keep = Math.min(curTopK, bi);
        // mark chosen blocks with -Inf, largest score first, lower index on ties
        for (int r = 0; r < keep; r++) {
            int best = -1;
            for (int j = 0; j < bi; j++) {
                float s = blockScores[so + j];
                if (s != Float.NEGATIVE_INFINITY && (best < 0 || s > blockScores[so + best])) best = j;
            }
            blockScores[so + best] = Float.NEGATIVE_INFINITY;
        }
        int n = 0;
        for (int j = 0; j < bi; j++) if (blockScores[so + j] == Float.NEGATIVE_INFINITY) selected[so + n++] = j;
        selected[so + n++] = bi;
        numSelected[item] = n;
        attendSelected(item);
    }

    /** Softmax over the keys of the selected blocks up to the current position, then the weighted sum of values. */
    private void attendSelected(int item) {
        int b = item / kv.numQueryHeads, hq = item % kv.numQueryHeads;
        int h = hq / (kv.numQueryHeads / kv.numKvHeads), d = kv.headDim;
        int i = kv.length() - 1, cap = kv.slots;
        VectorOps ops = VectorizationProvider.ops();
        float[] qd = curQ.data();
        int qo = curQ.offset() + item * d, base = (b * kv.numKvHeads + h) * cap;
        int sc = item * cap, bo = item * maxBlocks, n = 0;
        // a selected block is a run of contiguous keys: the decode kernel streams it once per pass
        for (int s = 0; s < numSelected[item]; s++) {
            int j0 = selected[bo + s] * blockSize, j1 = Math.min(j0 + blockSize, i + 1);
            if (j1 > j0) kernel.scores(qd, qo, kv.k, (base + j0) * d, j1 - j0, d, scores, sc + n);
            n += Math.max(0, j1 - j0);
        }
        float[] od = curO.data();
        int oo = curO.offset() + item * d;
        Arrays.fill(od, oo, oo + d, 0f);
        if (n == 0) return; // no visible key: zeros
        ops.scale(curScale, scores, sc, n);
        ops.softmax(scores, sc, n);
        n = 0;
        for (int s = 0; s < numSelected[item]; s++) {
            int j0 = selected[bo + s] * blockSize, j1 = Math.min(j0 + blockSize, i + 1);
            if (j1 > j0) kernel.values(scores, sc + n, j1 - j0, kv.v, (base + j0) * d, d, od, oo);
            n += Math.max(0, j1 - j0);
        }
    }
}
