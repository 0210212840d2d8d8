package org.seqmix.layers;

import org.seqmix.core.Tensor;

/**
 * A stand-in layer for the benchmark tests (test scope only): an exponential moving sum per channel,
 * {@code s = 0.5 s + x; y = s}, so forward-then-step equals forward over the whole sequence.
 */
public final class BenchTestMixer implements SequenceMixer {
    static final int HIDDEN = 8;

    public static BenchTestMixer demo(long seed) {
        return new BenchTestMixer();
    }

    /** The flop hook LayerBench looks for: 2 flops per channel per token. */
    public static double flops(int batch, int seqLen, int context) {
        return 2.0 * batch * seqLen * HIDDEN;
    }

    static final class Cache implements MixerCache {
        final float[] s;
        long tokens;

        Cache(int batch) {
            s = new float[batch * HIDDEN];
        }

        public int batch() { return s.length / HIDDEN; }
        public long tokens() { return tokens; }
        public long bytes() { return 4L * s.length; }
        public void reset() { java.util.Arrays.fill(s, 0); tokens = 0; }
    }

    public String name() { return "BenchTestMixer"; }
    public int hiddenSize() { return HIDDEN; }
    public MixerCache newCache(int batch) { return new Cache(batch); }

    public Tensor forward(Tensor x, MixerCache cache) {
        int b = x.dim(0), t = x.dim(1);
        float[] s = cache == null ? new float[b * HIDDEN] : ((Cache) cache).s;
        Tensor xc = x.contiguous();
        Tensor y = Tensor.zeros(b, t, HIDDEN);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                for (int h = 0; h < HIDDEN; h++) {
                    int k = (i * t + j) * HIDDEN + h;
                    s[i * HIDDEN + h] = 0.5f * s[i * HIDDEN + h] + xc.data()[xc.offset() + k];
                    y.data()[k] = s[i * HIDDEN + h];
                }
            }
        }
        if (cache != null) ((Cache) cache).tokens += t;
        return y;
    }

    public void step(Tensor x, MixerCache cache, Tensor y) {
        Cache c = (Cache) cache;
        for (int k = 0; k < c.s.length; k++) {
            c.s[k] = 0.5f * c.s[k] + x.data()[x.offset() + k];
            y.data()[y.offset() + k] = c.s[k];
        }
        c.tokens++;
    }
}
