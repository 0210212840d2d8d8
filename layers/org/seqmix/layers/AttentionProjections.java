package org.seqmix.layers;

import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.attention.Attention;
import org.seqmix.kernels.attention.RoPE;

/**
 * The projections shared by the attention layers (transformers / fla names): {@code q_proj [HQ·D, hidden]},
 * {@code k_proj, v_proj [H·D, hidden]}, {@code o_proj [hidden, HQ·D]}, each {@code .weight} with an optional
 * {@code .bias}, plus the optional RoPE on q and k.
 */
final class AttentionProjections {
    final int hiddenSize, numHeads, numKvHeads, headDim;
    final float scale;
    final RoPE rope; // null: no rotary embedding
    private final Tensor wq, wk, wv, wo, bq, bk, bv, bo;

    private AttentionProjections(int hiddenSize, int numHeads, int numKvHeads, int headDim, double ropeTheta,
                                 Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor bq, Tensor bk, Tensor bv, Tensor bo) {
        this.hiddenSize = hiddenSize;
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
        this.scale = Attention.defaultScale(headDim);
        this.rope = ropeTheta > 0 ? new RoPE(headDim, ropeTheta) : null;
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.wo = wo;
        this.bq = bq;
        this.bk = bk;
        this.bv = bv;
        this.bo = bo;
    }

    /** Checks the head geometry; {@code ropeTheta <= 0} means no RoPE, NaN is rejected. */
    static void checkGeometry(int hiddenSize, int numHeads, int numKvHeads, int headDim, double ropeTheta) {
        Shapes.positive("hidden_size", hiddenSize);
        Shapes.positive("num_heads", numHeads);
        Shapes.positive("num_kv_heads", numKvHeads);
        Shapes.positive("head_dim", headDim);
        Shapes.divisible("num_heads", numHeads, "num_kv_heads", numKvHeads);
        if (Double.isNaN(ropeTheta) || Double.isInfinite(ropeTheta)) throw new IllegalArgumentException("rope_theta: expected a finite value, got " + ropeTheta);
        if (ropeTheta > 0 && headDim % 2 != 0) throw new IllegalArgumentException("head_dim: RoPE needs an even head_dim, got " + headDim);
    }

    static AttentionProjections fromWeights(int hiddenSize, int numHeads, int numKvHeads, int headDim, double ropeTheta, Weights w) {
        checkGeometry(hiddenSize, numHeads, numKvHeads, headDim, ropeTheta);
        int qd = numHeads * headDim, kd = numKvHeads * headDim;
        return new AttentionProjections(hiddenSize, numHeads, numKvHeads, headDim, ropeTheta,
                w.get("q_proj.weight", qd, hiddenSize), w.get("k_proj.weight", kd, hiddenSize),
                w.get("v_proj.weight", kd, hiddenSize), w.get("o_proj.weight", hiddenSize, qd),
                w.optional("q_proj.bias", qd), w.optional("k_proj.bias", kd), w.optional("v_proj.bias", kd), w.optional("o_proj.bias", hiddenSize));
    }

    /** torch.nn.Linear's default init from a seeded generator; biases when {@code bias}. */
    static AttentionProjections random(int hiddenSize, int numHeads, int numKvHeads, int headDim, double ropeTheta, boolean bias, long seed) {
        checkGeometry(hiddenSize, numHeads, numKvHeads, headDim, ropeTheta);
        Rng r = new Rng(seed);
        int qd = numHeads * headDim, kd = numKvHeads * headDim;
        Tensor wq = r.linear(qd, hiddenSize), wk = r.linear(kd, hiddenSize), wv = r.linear(kd, hiddenSize), wo = r.linear(hiddenSize, qd);
        Tensor bq = null, bk = null, bv = null, bo = null;
        if (bias) {
            float a = (float) (1 / Math.sqrt(hiddenSize)), c = (float) (1 / Math.sqrt(qd));
            bq = r.uniform(-a, a, qd);
            bk = r.uniform(-a, a, kd);
            bv = r.uniform(-a, a, kd);
            bo = r.uniform(-c, c, hiddenSize);
        }
        return new AttentionProjections(hiddenSize, numHeads, numKvHeads, headDim, ropeTheta, wq, wk, wv, wo, bq, bk, bv, bo);
    }

    /** Checks {@code x [B, T, hidden]}, B = the cache's batch when {@code cacheBatch >= 0}. */
    void checkSequence(Tensor x, int cacheBatch) {
        Shapes.checkNamed("x", x, "B, T, hidden", cacheBatch >= 0 ? cacheBatch : Shapes.ANY, Shapes.ANY, hiddenSize);
        Shapes.positive("x.B", x.dim(0));
        Shapes.positive("x.T", x.dim(1));
    }

    /** q {@code [B,T,HQ,D]}, k, v {@code [B,T,H,D]} for tokens at positions startPos.. (RoPE applied). */
    Tensor[] qkv(Tensor x, long startPos) {
        int b = x.dim(0), t = x.dim(1);
        Tensor q = Linear.apply(x, wq, bq).reshape(b, t, numHeads, headDim);
        Tensor k = Linear.apply(x, wk, bk).reshape(b, t, numKvHeads, headDim);
        Tensor v = Linear.apply(x, wv, bv).reshape(b, t, numKvHeads, headDim);
        if (rope != null) {
            rope.apply(q, startPos);
            rope.apply(k, startPos);
        }
        return new Tensor[] {q, k, v};
    }

    /** o {@code [B,T,HQ,D]} to {@code [B,T,hidden]}. */
    Tensor out(Tensor o) {
        return Linear.apply(o.reshape(o.dim(0), o.dim(1), numHeads * headDim), wo, bo);
    }

    /** One token: x {@code [B, hidden]} into the cache's q, k, v scratch; allocation-free. */
    void stepProject(Tensor x, AttentionCache c, long pos) {
        float[] xd = x.data();
        for (int b = 0; b < c.batch; b++) {
            int xo = x.offset() + b * hiddenSize;
            Linear.gemv(wq, bq, xd, xo, c.q.data(), b * numHeads * headDim);
            Linear.gemv(wk, bk, xd, xo, c.k.data(), b * numKvHeads * headDim);
            Linear.gemv(wv, bv, xd, xo, c.v.data(), b * numKvHeads * headDim);
            if (rope != null) {
                for (int h = 0; h < numHeads; h++) rope.apply(c.q.data(), (b * numHeads + h) * headDim, pos);
                for (int h = 0; h < numKvHeads; h++) rope.apply(c.k.data(), (b * numKvHeads + h) * headDim, pos);
            }
        }
    }

    /** One token: the cache's o scratch through o_proj into y {@code [B, hidden]}. */
    void stepOut(AttentionCache c, Tensor y) {
        for (int b = 0; b < c.batch; b++) Linear.gemv(wo, bo, c.o.data(), b * numHeads * headDim, y.data(), y.offset() + b * hiddenSize);
    }

    /** Checks a step's x and y {@code [B, hidden]} (contiguous) against the cache's batch; allocation-free unless it throws. */
    void checkStep(Tensor x, AttentionCache c, Tensor y) {
        Shapes.checkNamed("x", x, "B, hidden", c.batch, hiddenSize);
        Shapes.checkNamed("y", y, "B, hidden", c.batch, hiddenSize);
        Shapes.require(x.isContiguous() && y.isContiguous(), "x, y: expected contiguous tensors");
    }

    /** Continues a non-empty cache over x {@code [B, T, hidden]} token by token (the slow but exact path). */
    static Tensor stepThrough(SequenceMixer layer, Tensor x, MixerCache cache) {
        int b = x.dim(0), t = x.dim(1), hidden = x.dim(2);
        Tensor y = Tensor.zeros(b, t, hidden), xt = Tensor.zeros(b, hidden), yt = Tensor.zeros(b, hidden);
        for (int i = 0; i < t; i++) {
            x.select(1, i).copyInto(xt);
            layer.step(xt, cache, yt);
            yt.copyInto(y.select(1, i));
        }
        return y;
    }

    /** Rejects a prefill longer than what a growing cache can still take, before anything runs. */
    static void checkRoom(AttentionCache c, int tokens) {
        if (c != null && tokens > c.kv.remaining()) {
            throw new IllegalArgumentException("cache: holds " + c.kv.length() + " tokens and can take " + c.kv.remaining() + " more, cannot append " + tokens);
        }
    }
}
