package org.seqmix.layers;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.BlockKVCache;
import org.seqmix.kernels.attention.BlockMask;
import org.seqmix.kernels.attention.BlockSelection;
import org.seqmix.kernels.attention.BlockSparse;

/**
 * Causal block-sparse attention (MoBA style) with GQA and optional RoPE, same projections as
 * {@link MultiHeadAttention}. Each query block attends its own block plus either the blocks of a static
 * {@link BlockMask} or the {@code topK} earlier blocks picked by {@link BlockSelection#topK} (block-mean query ·
 * block-mean key). Decoding keeps per-block running key sums and picks blocks for each new token with its own
 * query (MoBA's per-token gate), so with top-k selection {@code step} equals {@code forward} only when
 * {@code topK} covers every earlier block; with a static mask they agree exactly.
 */
public final class BlockSparseAttention implements SequenceMixer {
    /** @param ropeTheta RoPE base; {@code 0} for none. @param maxPositions decoding cache capacity */
    public record Config(int hiddenSize, int numHeads, int numKvHeads, int headDim, int blockSize, int topK, double ropeTheta, boolean bias, int maxPositions) {
        public Config {
            AttentionProjections.checkGeometry(hiddenSize, numHeads, numKvHeads, headDim, ropeTheta);
            Shapes.positive("block_size", blockSize);
            Shapes.nonNegative("top_k", topK);
            Shapes.positive("max_positions", maxPositions);
        }
    }

    private final Config config;
    private final AttentionProjections p;
    private final BlockMask staticMask; // null: top-k selection

    /** Exact only with a static mask, or when top-k covers every earlier block (MoBA decode gates per token). */
    @Override
    public boolean stepMatchesForward() {
        return staticMask != null;
    }

    private BlockSparseAttention(Config config, AttentionProjections p, BlockMask staticMask) {
        this.config = config;
        this.p = p;
        this.staticMask = staticMask;
    }

    public static BlockSparseAttention fromWeights(Config c, Weights w) {
        return new BlockSparseAttention(c, AttentionProjections.fromWeights(c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.ropeTheta(), w), null);
    }

    public static BlockSparseAttention random(Config c, long seed) {
        return new BlockSparseAttention(c, AttentionProjections.random(c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.ropeTheta(), c.bias(), seed), null);
    }

    /** A typical size: hidden 1024, 8 query heads and 2 kv heads of 128, blocks of 64, top-3, RoPE 10000. */
    public static BlockSparseAttention demo(long seed) {
        return demo(seed, 4096);
    }

    /** {@link #demo(long)} with a decoding cache of {@code maxPositions} tokens, e.g. for long-context runs. */
    public static BlockSparseAttention demo(long seed, int maxPositions) {
        return random(new Config(1024, 8, 2, 128, 64, 3, 10000, false, maxPositions), seed);
    }

    /**
     * The same layer with a static mask {@code [B, num_heads, nb, nb]} (nb blocks covering up to
     * {@code maxPositions}); forward over T tokens uses its top-left {@code ceil(T / block_size)} blocks.
     */
    public BlockSparseAttention withStaticMask(BlockMask mask) {
        if (mask == null) throw new IllegalArgumentException("block_mask: expected a mask, got null");
        if (mask.heads() != config.numHeads() || mask.queryBlocks() != mask.keyBlocks()) {
            throw new IllegalArgumentException("block_mask: expected shape [B, " + config.numHeads() + ", nb, nb], got " + java.util.Arrays.toString(mask.shape()));
        }
        return new BlockSparseAttention(config, p, mask);
    }

    public Config config() { return config; }
    @Override public String name() { return "BlockSparseAttention"; }
    @Override public int hiddenSize() { return config.hiddenSize(); }

    @Override
    public AttentionCache newCache(int batch) {
        BlockKVCache b = new BlockKVCache(batch, config.numHeads(), config.numKvHeads(), config.headDim(), config.blockSize(), config.maxPositions());
        return new AttentionCache(this, b.kv(), b);
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        AttentionCache c = cache == null ? null : AttentionCache.of(cache, this);
        p.checkSequence(x, c == null ? -1 : c.batch);
        AttentionProjections.checkRoom(c, x.dim(1));
        int nb = (x.dim(1) + config.blockSize() - 1) / config.blockSize();
        BlockMask mask = null;
        if (staticMask != null) {
            if (staticMask.batch() != x.dim(0) || staticMask.queryBlocks() < nb) {
                throw new IllegalArgumentException("block_mask: expected shape [" + x.dim(0) + ", " + config.numHeads() + ", >=" + nb + ", >=" + nb
                        + "] for x " + java.util.Arrays.toString(x.shape()) + ", got " + java.util.Arrays.toString(staticMask.shape()));
            }
            mask = staticMask.topLeft(nb, nb);
        }
        if (c != null && c.tokens() > 0) return AttentionProjections.stepThrough(this, x, c);
        Tensor[] qkv = p.qkv(x, 0);
        if (mask == null) mask = BlockSelection.topK(qkv[0], qkv[1], config.blockSize(), config.topK());
        Tensor o = BlockSparse.forward(qkv[0], qkv[1], qkv[2], mask, config.blockSize(), true, p.scale);
        if (c != null) c.blocks.append(qkv[1], qkv[2]);
        return p.out(o);
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        AttentionCache c = AttentionCache.of(cache, this);
        p.checkStep(x, c, y);
        AttentionProjections.checkRoom(c, 1);
        if (staticMask != null && staticMask.batch() != c.batch) {
            throw new IllegalArgumentException("block_mask: expected batch " + c.batch + ", got " + java.util.Arrays.toString(staticMask.shape()));
        }
        p.stepProject(x, c, c.tokens());
        if (staticMask != null) BlockSparse.decode(c.blocks, staticMask, c.q, c.k, c.v, p.scale, c.o);
        else BlockSparse.decodeTopK(c.blocks, config.topK(), c.q, c.k, c.v, p.scale, c.o);
        p.stepOut(c, y);
    }
}
