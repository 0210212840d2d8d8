package org.seqmix.kernels.attention;

import java.util.Arrays;
import org.seqmix.core.Tensor;

/**
 * A block mask {@code [B, H, nq, nk]} of uint8 (1 = query block i attends key block j), as the
 * {@code block_mask} of fla's / the conformance {@code block_sparse_attention}.
 */
public final class BlockMask {
    private final int b, h, nq, nk;
    private final byte[] bits;

    private BlockMask(int b, int h, int nq, int nk, byte[] bits) {
        this.b = b;
        this.h = h;
        this.nq = nq;
        this.nk = nk;
        this.bits = bits;
    }

    /** An all-zero mask. */
    public static BlockMask empty(int b, int h, int nq, int nk) {
        for (int x : new int[] {b, h, nq, nk}) {
            if (x <= 0) throw new IllegalArgumentException("block_mask: every size must be > 0, got [" + b + ", " + h + ", " + nq + ", " + nk + "]");
        }
        return new BlockMask(b, h, nq, nk, new byte[b * h * nq * nk]);
    }

    /** From a uint8 array in row-major {@code [B, H, nq, nk]} order (copied; nonzero = set). */
    public static BlockMask of(byte[] data, int b, int h, int nq, int nk) {
        BlockMask m = empty(b, h, nq, nk);
        if (data.length != m.bits.length) {
            throw new IllegalArgumentException("block_mask: " + data.length + " values for shape [" + b + ", " + h + ", " + nq + ", " + nk + "]");
        }
        for (int i = 0; i < data.length; i++) m.bits[i] = (byte) (data[i] != 0 ? 1 : 0);
        return m;
    }

    /** From a rank-4 tensor of 0/1 values (a loaded uint8 .npy); nonzero = set. */
    public static BlockMask of(Tensor t) {
        AttentionChecks.rank4("block_mask", t, "B, H, nq, nk");
        BlockMask m = empty(t.dim(0), t.dim(1), t.dim(2), t.dim(3));
        float[] f = t.contiguous().toArray();
        for (int i = 0; i < f.length; i++) m.bits[i] = (byte) (f[i] != 0f ? 1 : 0);
        return m;
    }

    public int[] shape() { return new int[] {b, h, nq, nk}; }
    public int batch() { return b; }
    public int heads() { return h; }
    public int queryBlocks() { return nq; }
    public int keyBlocks() { return nk; }

    public boolean get(int bi, int hi, int i, int j) {
        return bits[((bi * h + hi) * nq + i) * nk + j] != 0;
    }

    public void set(int bi, int hi, int i, int j, boolean on) {
        bits[((bi * h + hi) * nq + i) * nk + j] = (byte) (on ? 1 : 0);
    }

    /** The top-left {@code [B, H, nq, nk]} corner (a copy), e.g. the mask of a shorter prefix. */
    public BlockMask topLeft(int nq2, int nk2) {
        if (nq2 <= 0 || nk2 <= 0 || nq2 > nq || nk2 > nk) {
            throw new IllegalArgumentException("block_mask: cannot take [" + nq2 + ", " + nk2 + "] blocks of " + Arrays.toString(shape()));
        }
        BlockMask m = empty(b, h, nq2, nk2);
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
                for (int i = 0; i < nq2; i++)
                    for (int j = 0; j < nk2; j++) m.set(bi, hi, i, j, get(bi, hi, i, j));
        return m;
    }

    /** Number of set blocks. */
    public long count() {
        long n = 0;
        for (byte x : bits) n += x;
        return n;
    }

    /** Checks this mask is {@code [B, H, nq, nk]}, naming the argument. */
    void check(int eb, int eh, int enq, int enk) {
        if (b != eb || h != eh || nq != enq || nk != enk) {
            throw new IllegalArgumentException("block_mask: expected shape [" + eb + ", " + eh + ", " + enq + ", " + enk
                    + "] (B, HQ, ceil(T/block_size), ceil(T/block_size)), got " + Arrays.toString(shape()));
        }
    }

    @Override
    public String toString() {
        return "BlockMask" + Arrays.toString(shape()) + " set=" + count();
    }
}
