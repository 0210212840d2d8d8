package org.seqmix.kernels.attention;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Keys and values of the tokens seen so far, for decoding, laid out {@code [B, H, slots, D]} so one kv head's
 * keys are contiguous. Two layouts:
 *
 * <ul>
 *   <li>{@link #growing}: position p in slot p, up to {@code capacity} tokens; appending past it is rejected;</li>
 *   <li>{@link #sliding}: {@code numSinkTokens} sink slots (positions {@code p < sinks}) plus a ring of
 *       {@code window} slots (position {@code p >= sinks} in slot {@code sinks + p % window}): memory constant in
 *       the context length, exactly what a causal window-with-sinks query can see.</li>
 * </ul>
 *
 * Entries are float32, or bfloat16 ({@link #growingBf16}, {@link #slidingBf16}: half the bytes, dequantised in
 * the kernel, ~3 significant digits per entry). All sequences of the batch have the same length. Scratch (scores,
 * per-segment partial outputs, see {@link DecodeKernel}) is preallocated, so
 * {@link Attention#decode} allocates nothing. Not thread-safe.
 */
public final class KVCache {
    final int batch, numQueryHeads, numKvHeads, headDim, slots;
    final boolean ring;
    final AttentionMask mask;
    final float[] k, v; // float32 entries (empty when bf16)
    final short[] kh, vh; // bf16 entries (null when float32)
    /** Visible keys per work item of a step: long contexts are split so both cores stream one head. */
    static final int SEGMENT = 1024;
    /** Shortest segment: when there are fewer than {@link #MIN_ITEMS} (sequence, kv head, segment) items, segments halve down to this. */
    static final int MIN_SEGMENT = 128;
    /** Items a step aims for (a shape-only rule, so results do not depend on the thread count). */
    static final int MIN_ITEMS = 8;
    /** Keys per block of a work item: each block of K (or V) rows serves every query head of the kv head while it is in L1. */
    private static final int KEY_BLOCK = 64;
    private final DecodeKernel kernel = DecodeKernel.get();
    private final float[] scores; // [B * HQ, slots]
    private final float[] qk; // [B * HQ, D] queries in kernel order
    private final int maxSegments;
    private final float[] partOut; // [B * HQ, maxSegments, D] per-segment outputs (kernel order)
    private final float[] partMax, partSum; // [B * HQ, maxSegments] per-segment score max and softmax normaliser
    private final float[] merged; // [D]
    private int length;

    // per-call arguments of the preallocated parallel body (no capturing lambda per step)
    private float curScale;
    private final int[] runSlot = new int[6], runFirst = new int[6], runLength = new int[6]; // visible slot runs
    private int numRuns, visible, segments, segmentLength;
    private final IntConsumer attendBody = this::attendItem;

    private KVCache(int batch, int numQueryHeads, int numKvHeads, int headDim, int slots, boolean ring, AttentionMask mask, boolean half) {
        AttentionChecks.positive("batch", batch);
        AttentionChecks.positive("num_heads", numQueryHeads);
        AttentionChecks.positive("num_kv_heads", numKvHeads);
        AttentionChecks.positive("head_dim", headDim);
        AttentionChecks.positive("capacity", slots);
        if (numQueryHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_heads: " + numQueryHeads + " must be a multiple of num_kv_heads " + numKvHeads);
        }
        if (!mask.causal()) throw new IllegalArgumentException("mask: decoding needs a causal mask, got " + mask);
        long n = (long) batch * numKvHeads * slots * headDim;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("capacity: cache of " + n + " floats is too large");
        this.batch = batch;
        this.numQueryHeads = numQueryHeads;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
        this.slots = slots;
        this.ring = ring;
        this.mask = mask;
        this.k = new float[half ? 0 : (int) n];
        this.v = new float[half ? 0 : (int) n];
        this.kh = half ? new short[(int) n] : null;
        this.vh = half ? new short[(int) n] : null;
        this.scores = new float[batch * numQueryHeads * slots];
        this.qk = new float[batch * numQueryHeads * headDim];
        // a step never has more segments (halving below SEGMENT happens only while there are < MIN_ITEMS items)
        this.maxSegments = Math.max((slots + SEGMENT - 1) / SEGMENT, 2 * MIN_ITEMS);
        this.partOut = new float[batch * numQueryHeads * maxSegments * headDim];
        this.partMax = new float[batch * numQueryHeads * maxSegments];
        this.partSum = new float[batch * numQueryHeads * maxSegments];
        this.merged = new float[headDim];
    }

    /** A cache for up to {@code capacity} tokens, attended with {@code mask} (causal, any window and sinks). */
    public static KVCache growing(int batch, int numQueryHeads, int numKvHeads, int headDim, int capacity, AttentionMask mask) {
        return new KVCache(batch, numQueryHeads, numKvHeads, headDim, capacity, false, mask, false);
    }

    /** As {@link #growing} with bfloat16 entries. */
    public static KVCache growingBf16(int batch, int numQueryHeads, int numKvHeads, int headDim, int capacity, AttentionMask mask) {
        return new KVCache(batch, numQueryHeads, numKvHeads, headDim, capacity, false, mask, true);
    }

    /** As {@link #sliding} with bfloat16 entries. */
    public static KVCache slidingBf16(int batch, int numQueryHeads, int numKvHeads, int headDim, int windowSize, int numSinkTokens) {
        AttentionMask m = AttentionMask.sliding(windowSize, numSinkTokens);
        return new KVCache(batch, numQueryHeads, numKvHeads, headDim, windowSize + numSinkTokens, true, m, true);
    }

    /** A ring cache of {@code windowSize + numSinkTokens} slots for the mask {@code AttentionMask.sliding(windowSize, numSinkTokens)}. */
    public static KVCache sliding(int batch, int numQueryHeads, int numKvHeads, int headDim, int windowSize, int numSinkTokens) {
        AttentionMask m = AttentionMask.sliding(windowSize, numSinkTokens);
        return new KVCache(batch, numQueryHeads, numKvHeads, headDim, windowSize + numSinkTokens, true, m, false);
    }

    public int batch() { return batch; }
    public int numQueryHeads() { return numQueryHeads; }
    public int numKvHeads() { return numKvHeads; }
    public int headDim() { return headDim; }
    public AttentionMask mask() { return mask; }
    /** Tokens appended so far. */
    public int length() { return length; }
    /** True when the cache has a fixed size whatever the context length. */
    public boolean isRing() { return ring; }
    /** Tokens it can still take ({@code Integer.MAX_VALUE} for a ring). */
    public int remaining() { return ring ? Integer.MAX_VALUE - length : slots - length; }
    /** Bytes held by keys, values and scratch. */
    public long bytes() { return 4L * (k.length + v.length) + scratchBytes() + (kh == null ? 0 : 2L * (kh.length + vh.length)); }

    /** Bytes of the decode scratch (scores, per-segment partial outputs). */
    long scratchBytes() { return 4L * (scores.length + qk.length + partOut.length + partMax.length + partSum.length + merged.length); }

    /** True when entries are bfloat16. */
    public boolean isBf16() { return kh != null; }

    public void reset() {
        length = 0;
        Arrays.fill(k, 0f);
        Arrays.fill(v, 0f);
        if (kh != null) {
            Arrays.fill(kh, (short) 0);
            Arrays.fill(vh, (short) 0);
        }
    }

    /**
     * Forgets the tokens at positions {@code >= length} (rejected speculative tokens; a benchmark timing steps at a
     * fixed context). A growing cache only: a ring has overwritten the slots older tokens would need.
     */
    public void truncate(int length) {
        if (length < 0 || length > this.length) {
            throw new IllegalArgumentException("length: expected 0 <= length <= " + this.length + " (tokens held), got " + length);
        }
        if (ring && length != this.length) {
            throw new IllegalArgumentException("length: a sliding-window (ring) cache cannot drop tokens, holds " + this.length + ", got " + length);
        }
        this.length = length;
    }

    /** The slot holding position p (which must be visible to some current query). */
    int slotOf(int p) {
        if (!ring) return p;
        int sinks = mask.numSinkTokens();
        return p < sinks ? p : sinks + p % mask.windowSize();
    }

    /** Checks a decode step's shapes and room, before anything is written. */
    void checkStep(Tensor q, Tensor k1, Tensor v1, Tensor o) {
        AttentionChecks.same3("q", q, "B, HQ, D", batch, numQueryHeads, headDim);
        AttentionChecks.same3("k", k1, "B, H, D", batch, numKvHeads, headDim);
        AttentionChecks.same3("v", v1, "B, H, D", batch, numKvHeads, headDim);
        AttentionChecks.same3("o", o, "B, HQ, D", batch, numQueryHeads, headDim);
        if (!q.isContiguous() || !k1.isContiguous() || !v1.isContiguous() || !o.isContiguous()) {
            throw new IllegalArgumentException("q, k, v, o: decode needs contiguous tensors");
        }
        checkRoom(1);
    }

    void checkRoom(int tokens) {
        if (tokens > remaining()) {
            throw new IllegalArgumentException("cache: full, holds " + length + " of capacity " + slots + " tokens, cannot append " + tokens);
        }
    }

    /** Appends one token's k, v {@code [B, H, D]} (checked by the caller). */
    void appendToken(Tensor k1, Tensor v1) {
        int p = length;
        writeToken(k1.data(), k1.offset(), v1.data(), v1.offset(), p, numKvHeads * headDim, headDim);
        length = p + 1;
    }

    /** Writes position p for every batch row b (source rows at off + b * bStride, heads hStride apart). */
    private void writeToken(float[] ks, int kOff, float[] vs, int vOff, int p, int bStride, int hStride) {
        int slot = slotOf(p);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numKvHeads; h++) {
                int dst = ((b * numKvHeads + h) * slots + slot) * headDim;
                int ko = kOff + b * bStride + h * hStride, vo = vOff + b * bStride + h * hStride;
                if (kh != null) {
                    for (int x = 0; x < headDim; x++) {
                        kh[dst + x] = Bf16Ops.fromFloat(ks[ko + x]);
                        vh[dst + x] = Bf16Ops.fromFloat(vs[vo + x]);
                    }
                } else {
                    System.arraycopy(ks, ko, k, dst, headDim);
                    System.arraycopy(vs, vo, v, dst, headDim);
                }
            }
        }
    }

    /**
     * Appends a whole prefill {@code k, v [B, T, H, D]} (all rows at positions length .. length+T-1); a ring keeps
     * only what later queries can see. Rejected without change when a growing cache lacks room.
     */
    public void append(Tensor kSeq, Tensor vSeq) {
        AttentionChecks.rank4("k", kSeq, "B, T, H, D");
        int t = kSeq.dim(1);
        AttentionChecks.same("k", kSeq, "B, T, H, D", batch, t, numKvHeads, headDim);
        AttentionChecks.same("v", vSeq, "B, T, H, D", batch, t, numKvHeads, headDim);
        checkRoom(t);
        Tensor kc = kSeq.contiguous(), vc = vSeq.contiguous();
        int rowStride = t * numKvHeads * headDim;
        for (int i = 0; i < t; i++) {
            int p = length + i;
            int tokOff = i * numKvHeads * headDim;
            writeToken(kc.data(), kc.offset() + tokOff, vc.data(), vc.offset() + tokOff, p, rowStride, headDim);
        }
        length += t;
    }

    /** Attends q {@code [B, HQ, D]} at position {@code length - 1} into o. */
    void attendLast(Tensor q, float scale, Tensor o) {
        attend(q, scale, o, false);
    }

    /** Attends q {@code [B, HQ, D]} over every cached token (a non-causal query; growing cache only). */
    void attendAll(Tensor q, float scale, Tensor o) {
        attend(q, scale, o, true);
    }

    private void attend(Tensor q, float scale, Tensor o, boolean all) {
        int i = length - 1;
        int lo = all ? 0 : mask.windowStart(i);
        // sinks outside the window first, then the window [lo, i], both in position order
        numRuns = 0;
        visible = 0;
        addPositions(0, mask.hasWindow() ? Math.min(mask.numSinkTokens(), lo) : 0);
        addPositions(lo, i + 1);
        int groups = batch * numKvHeads;
        segmentLength = SEGMENT;
        while (segmentLength > MIN_SEGMENT && groups * ((visible + segmentLength - 1) / segmentLength) < MIN_ITEMS) segmentLength /= 2;
        segments = (visible + segmentLength - 1) / segmentLength;
        boolean half = kh != null;
        int items = batch * numQueryHeads;
        for (int item = 0; item < items; item++) kernel.toKernelOrder(q.data(), q.offset() + item * headDim, qk, item * headDim, headDim, half);
        curScale = scale;
        Parallel.forRange(groups * segments, attendBody);
        // merge the segments of each head in segment order: the same sums for any thread count
        VectorOps ops = VectorizationProvider.ops();
        for (int item = 0; item < items; item++) {
            int p0 = item * maxSegments;
            float m = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < segments; s++) m = Math.max(m, partMax[p0 + s]);
            double total = 0;
            for (int s = 0; s < segments; s++) total += Math.exp((double) partMax[p0 + s] - m) * partSum[p0 + s];
            Arrays.fill(merged, 0f);
            for (int s = 0; s < segments; s++) {
                float w = (float) (Math.exp((double) partMax[p0 + s] - m) * partSum[p0 + s] / total);
                ops.axpy(w, partOut, (p0 + s) * headDim, merged, 0, headDim);
            }
            kernel.fromKernelOrder(merged, 0, o.data(), o.offset() + item * headDim, headDim, half);
        }
    }

    /** Appends the slot runs holding positions [a, e) (a ring splits where it wraps). */
    private void addPositions(int a, int e) {
        int sinks = mask.numSinkTokens(), w = mask.windowSize();
        while (a < e) {
            int len = !ring ? e - a : a < sinks ? Math.min(e, sinks) - a : Math.min(e - a, w - a % w);
            runSlot[numRuns] = slotOf(a);
            runFirst[numRuns] = visible;
            runLength[numRuns++] = len;
            visible += len;
            a += len;
        }
    }

    /**
     * One segment (segmentLength visible keys, in position order) of one kv head, for every query head that reads
     * it (flash-decoding, GQA-aware): the scores pass streams the segment's keys in blocks of {@link #KEY_BLOCK}
     * rows, each block serving all the group's query heads while it is in L1 (one read of K from memory for the
     * group, not one per query head); softmax within the segment per query head; the values pass likewise. The
     * segment's max and normaliser per query head let {@link #attend} merge segments exactly as one softmax. Per
     * query head the arithmetic is the same as one head at a time (each score is one row's dot product, each
     * output element sums the rows in position order).
     */
    private void attendItem(int item) {
        int bkv = item / segments, seg = item % segments;
        int b = bkv / numKvHeads, h = bkv % numKvHeads, group = numQueryHeads / numKvHeads;
        int first = seg * segmentLength, end = Math.min(visible, first + segmentLength), n = end - first;
        int base = (b * numKvHeads + h) * slots, bh0 = b * numQueryHeads + h * group;
        for (int r = 0; r < numRuns; r++) {
            int a = Math.max(first, runFirst[r]), e = Math.min(end, runFirst[r] + runLength[r]);
            for (int x = a; x < e; x += KEY_BLOCK) {
                int m = Math.min(KEY_BLOCK, e - x), entry = (base + runSlot[r] + x - runFirst[r]) * headDim;
                int so = bh0 * slots + x;
                if (kh != null) kernel.scoresBf16Heads(qk, bh0 * headDim, group, kh, entry, m, headDim, scores, so, slots);
                else kernel.scoresHeads(qk, bh0 * headDim, group, k, entry, m, headDim, scores, so, slots);
            }
        }
        VectorOps ops = VectorizationProvider.ops();
        for (int bh = bh0; bh < bh0 + group; bh++) {
            int so = bh * slots + first, po = (bh * maxSegments + seg) * headDim;
            ops.scale(curScale, scores, so, n);
            partMax[bh * maxSegments + seg] = ops.max(scores, so, n);
            partSum[bh * maxSegments + seg] = ops.softmax(scores, so, n);
            Arrays.fill(partOut, po, po + headDim, 0f);
        }
        for (int r = 0; r < numRuns; r++) {
            int a = Math.max(first, runFirst[r]), e = Math.min(end, runFirst[r] + runLength[r]);
            for (int x = a; x < e; x += KEY_BLOCK) {
                int m = Math.min(KEY_BLOCK, e - x), entry = (base + runSlot[r] + x - runFirst[r]) * headDim;
                for (int bh = bh0; bh < bh0 + group; bh++) {
                    int so = bh * slots + x, po = (bh * maxSegments + seg) * headDim;
                    if (vh != null) kernel.valuesBf16(scores, so, m, vh, entry, headDim, partOut, po);
                    else kernel.values(scores, so, m, v, entry, headDim, partOut, po);
                }
            }
        }
    }
}
