package org.seqmix.kernels.linear;

import java.util.function.IntConsumer;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;

/**
 * One decoding token of the linear-attention family for every (batch, head), split over the thread team with a
 * fixed head-to-thread assignment ({@link Parallel#forRangeAffine}: each head's [K, V] state stays in one core's
 * cache from token to token). The operands of the call in progress live in a per-calling-thread job with a
 * preallocated body, so a step allocates nothing. Heads are independent: results are the same for any thread count.
 */
final class StepHeads {
    private static final ThreadLocal<StepHeads> JOB = ThreadLocal.withInitial(StepHeads::new);

    private final IntConsumer body = this::head;
    private GlaProblem.Gate gate;
    private Tensor q, k, v, g, state, keySum, o;
    private int layerIdx, numLayers;
    private float scale;

    private StepHeads() {}

    /** Runs the token on already validated operands (see LinearAttn's step). */
    static void run(GlaProblem.Gate gate, Tensor q, Tensor k, Tensor v, Tensor g, int layerIdx, int numLayers, float scale,
                    Tensor state, Tensor keySum, Tensor o) {
        StepHeads job = JOB.get();
        job.gate = gate;
        job.q = q; job.k = k; job.v = v; job.g = g;
        job.layerIdx = layerIdx; job.numLayers = numLayers; job.scale = scale;
        job.state = state; job.keySum = keySum; job.o = o;
        try {
            Parallel.forRangeAffine(q.dim(0) * q.dim(1), job.body);
        } finally {
            job.q = job.k = job.v = job.g = job.state = job.keySum = job.o = null;
        }
    }

    private void head(int bh) {
        int H = q.dim(1), K = q.dim(2), V = v.dim(2), h = bh % H;
        float gs = switch (gate) {
            case NONE, KEY -> 0f;
            case HEAD -> g.data()[g.offset() + bh];
            case CONSTANT -> LinearAttn.lightningDecay(H, layerIdx, numLayers, h);
        };
        boolean key = gate == GlaProblem.Gate.KEY;
        RecurrentGla.updateHead(FusedRecurrent.get(), RecurrentGla.work(K), K, V, q.data(), q.offset() + bh * K,
                k.data(), k.offset() + bh * K, v.data(), v.offset() + bh * V, gs, key ? g.data() : null, key ? g.offset() + bh * K : 0,
                scale, state.data(), state.offset() + bh * K * V, keySum == null ? null : keySum.data(),
                keySum == null ? 0 : keySum.offset() + bh * K, o.data(), o.offset() + bh * V);
    }
}
