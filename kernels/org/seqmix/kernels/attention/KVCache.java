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
 * the kernel, ~3 significant digits per entry). All sequences of the batch have the same length. Scratch for the scores is preallocated, so
 * {@link Attention#decode} allocates nothing. Not thread-safe.
 */
public final class KVCache {
    final int batch, numQueryHeads, numKvHeads, headDim, slots;
    final boolean ring;
    final AttentionMask mask;
    final float[] k, v; // float32 entries (empty when bf16)
    final short[] kh, vh; // bf16 entries (null when float32)
    private final Bf16Ops bf16 = Bf16Ops.get();
    private final float[] scores; // [B * HQ, slots]
    private int length;

    // per-call arguments of the preallocated parallel body (no capturing lambda per step)
    private Tensor curQ, curO;
    private float curScale;
    private boolean curAll;
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
    public long bytes() { return 4L * (k.length + v.length + scores.length) + (kh == null ? 0 : 2L * (kh.length + vh.length)); }

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
        curAll = all;
        curQ = q;
        curO = o;
        curScale = scale;
        Parallel.forRange(batch * numQueryHeads, attendBody);
        curQ = null;
        curO = null;
    }

    private void attendItem(int item) {
        int b = item / numQueryHeads, hq = item % numQueryHeads;
        int h = hq / (numQueryHeads / numKvHeads);
        int i = length - 1;
        VectorOps ops = VectorizationProvider.ops();
        float[] qd = curQ.data();
        int qo = curQ.offset() + item * headDim;
        int base = (b * numKvHeads + h) * slots;
        int so = item * slots;
        int n = 0;
        int lo = curAll ? 0 : mask.windowStart(i);
        int sinks = mask.hasWindow() ? Math.min(mask.numSinkTokens(), lo) : 0;
        // sinks first (only those outside the window), then the window [lo, i]
        if (!ring && kh == null) {
            // float32 growing cache: positions are slots, so sinks and window are contiguous runs of keys
            ops.gemvRows(curScale, k, base * headDim, headDim, sinks, qd, qo, headDim, scores, so);
            ops.gemvRows(curScale, k, (base + lo) * headDim, headDim, i - lo + 1, qd, qo, headDim, scores, so + sinks);
            n = sinks + i - lo + 1;
        } else {
            for (int j = 0; j < sinks; j++) scores[so + n++] = curScale * dotKey(ops, qd, qo, (base + slotOf(j)) * headDim);
            for (int j = lo; j <= i; j++) scores[so + n++] = curScale * dotKey(ops, qd, qo, (base + slotOf(j)) * headDim);
        }
        ops.softmax(scores, so, n);
        float[] od = curO.data();
        int oo = curO.offset() + item * headDim;
        Arrays.fill(od, oo, oo + headDim, 0f);
        n = 0;
        for (int j = 0; j < sinks; j++) addValue(ops, scores[so + n++], (base + slotOf(j)) * headDim, od, oo);
        for (int j = lo; j <= i; j++) addValue(ops, scores[so + n++], (base + slotOf(j)) * headDim, od, oo);
    }

    private float dotKey(VectorOps ops, float[] q, int qo, int entry) {
        return kh != null ? bf16.dot(q, qo, kh, entry, headDim) : ops.dot(q, qo, k, entry, headDim);
    }

    private void addValue(VectorOps ops, float p, int entry, float[] o, int oo) {
        if (vh != null) bf16.axpy(p, vh, entry, o, oo, headDim);
        else ops.axpy(p, v, entry, o, oo, headDim);
    }
}
