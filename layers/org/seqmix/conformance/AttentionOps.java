package org.seqmix.conformance;

import java.util.List;
import java.util.Map;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.attention.Attention;
import org.seqmix.kernels.attention.AttentionMask;
import org.seqmix.kernels.attention.BlockMask;
import org.seqmix.kernels.attention.BlockSparse;
import org.seqmix.kernels.attention.BlockKVCache;
import org.seqmix.kernels.attention.KVCache;

/**
 * Conformance runners of {@code attention} (forms naive, flash, decode) and {@code block_sparse_attention}
 * (forms parallel, decode). The attention decode form feeds the tokens one at a time through a {@link KVCache}
 * (a ring buffer when a window is set); for {@code causal=false} it fills the cache with every k, v first and
 * then queries each position against all of them.
 */
public final class AttentionOps implements OpFamily {
    @Override
    public Map<String, OpRunner> runners() {
        return Map.of("attention", new AttentionRunner(), "block_sparse_attention", new BlockSparseRunner());
    }

    private static final class AttentionRunner implements OpRunner {
        @Override
        public List<String> forms() {
            return List.of("naive", "flash", "decode");
        }

        @Override
        public Map<String, Tensor> run(ConformanceCase c, String form) throws Exception {
            Tensor q = c.input("q"), k = c.input("k"), v = c.input("v");
            float scale = (float) c.param("scale", Attention.defaultScale(q.dim(3)));
            boolean causal = c.param("causal", true);
            int window = c.paramInt("window_size", AttentionMask.NO_WINDOW);
            AttentionMask mask = new AttentionMask(causal, window, c.paramInt("num_sink_tokens", 0));
            return switch (form) {
                case "naive" -> Map.of("o", Attention.naive(q, k, v, scale, mask));
                case "flash" -> Map.of("o", Attention.flash(q, k, v, scale, mask));
                case "decode" -> Map.of("o", causal ? decode(q, k, v, scale, mask) : decodeNonCausal(q, k, v, scale));
                default -> throw new IllegalArgumentException("form: " + form);
            };
        }

        private static Tensor decode(Tensor q, Tensor k, Tensor v, float scale, AttentionMask mask) {
            int b = q.dim(0), t = q.dim(1), hq = q.dim(2), h = k.dim(2), d = q.dim(3);
            KVCache cache = mask.hasWindow()
                    ? KVCache.sliding(b, hq, h, d, mask.windowSize(), mask.numSinkTokens())
                    : KVCache.growing(b, hq, h, d, t, mask);
            Tensor o = Tensor.zeros(b, t, hq, d);
            Tensor qt = Tensor.zeros(b, hq, d), kt = Tensor.zeros(b, h, d), vt = Tensor.zeros(b, h, d), ot = Tensor.zeros(b, hq, d);
            for (int i = 0; i < t; i++) {
                q.select(1, i).copyInto(qt);
                k.select(1, i).copyInto(kt);
                v.select(1, i).copyInto(vt);
                Attention.decode(cache, qt, kt, vt, scale, ot);
                ot.copyInto(o.select(1, i));
            }
            return o;
        }

        /** Every key is visible: fill the cache, then attend each query at the last position. */
        private static Tensor decodeNonCausal(Tensor q, Tensor k, Tensor v, float scale) {
            int b = q.dim(0), t = q.dim(1), hq = q.dim(2), h = k.dim(2), d = q.dim(3);
            KVCache cache = KVCache.growing(b, hq, h, d, t, AttentionMask.CAUSAL);
            cache.append(k, v);
            Tensor o = Tensor.zeros(b, t, hq, d);
            Tensor qt = Tensor.zeros(b, hq, d), ot = Tensor.zeros(b, hq, d);
            for (int i = 0; i < t; i++) {
                q.select(1, i).copyInto(qt);
                Attention.attendAll(cache, qt, scale, ot);
                ot.copyInto(o.select(1, i));
            }
            return o;
        }
    }

    private static final class BlockSparseRunner implements OpRunner {
        @Override
        public List<String> forms() {
            return List.of("parallel", "decode");
        }

        @Override
        public Map<String, Tensor> run(ConformanceCase c, String form) throws Exception {
            Tensor q = c.input("q"), k = c.input("k"), v = c.input("v");
            float scale = (float) c.param("scale", Attention.defaultScale(q.dim(3)));
            boolean causal = c.param("causal", true);
            int blockSize = c.paramInt("block_size", 64);
            Tensor m = c.input("block_mask");
            BlockMask mask = BlockMask.of(m);
            return switch (form) {
                case "parallel" -> Map.of("o", BlockSparse.forward(q, k, v, mask, blockSize, causal, scale));
                case "decode" -> {
                    if (!causal) throw new IllegalArgumentException("decode form needs causal=true");
                    int b = q.dim(0), t = q.dim(1), hq = q.dim(2), h = k.dim(2), d = q.dim(3);
                    BlockKVCache cache = new BlockKVCache(b, hq, h, d, blockSize, t);
                    Tensor o = Tensor.zeros(b, t, hq, d);
                    Tensor qt = Tensor.zeros(b, hq, d), kt = Tensor.zeros(b, h, d), vt = Tensor.zeros(b, h, d), ot = Tensor.zeros(b, hq, d);
                    for (int i = 0; i < t; i++) {
                        q.select(1, i).copyInto(qt);
                        k.select(1, i).copyInto(kt);
                        v.select(1, i).copyInto(vt);
                        BlockSparse.decode(cache, mask, qt, kt, vt, scale, ot);
                        ot.copyInto(o.select(1, i));
                    }
                    yield Map.of("o", o);
                }
                default -> throw new IllegalArgumentException("form: " + form);
            };
        }
    }
}
