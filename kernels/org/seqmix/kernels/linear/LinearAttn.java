package org.seqmix.kernels.linear;

import java.util.Arrays;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.InPlaceArgs;
import org.seqmix.kernels.VectorizationProvider;

/**
 * The linear-attention family under fla's names: {@code linear_attn}, {@code simple_gla}, {@code lightning_attn},
 * {@code gla}. Shapes token-major: q, k {@code [B,T,H,K]}, v {@code [B,T,H,V]}, g {@code [B,T,H]} (simple GLA) or
 * {@code [B,T,H,K]} (GLA), log-space and <= 0; states {@code [N,H,K,V]} key-major with N = B, or the number of
 * sequences of a packed batch ({@code cu_seqlens [N+1]}, B = 1).
 *
 * <p>Three forms per op: {@code chunk*} (prefill, chunkwise, parallel over sequence x head), {@code fusedRecurrent*}
 * (token by token, the reference; {@code fusedRecurrent*InPlace} on the caller's state and o) and {@code step*} (one
 * token, state updated in place, allocation-free, the decode path). Every call validates all arguments before
 * touching any output or state.
 */
public final class LinearAttn {
    public static final int DEFAULT_CHUNK_SIZE = 64;

    private LinearAttn() {}

    /** fla's default scale K^-0.5. */
    public static float defaultScale(int headKDim) {
        return (float) (1.0 / Math.sqrt(Shapes.positive("K", headKDim)));
    }

    /** Lightning attention's per-head constant log decay: {@code g_h = -(8/H)(1 - layer_idx/num_layers)·h}. */
    public static float[] lightningDecay(int numHeads, int layerIdx, int numLayers) {
        Shapes.positive("num_heads", numHeads);
        Shapes.positive("num_layers", numLayers);
        Shapes.require(layerIdx >= 0 && layerIdx <= numLayers, "layer_idx: expected 0 <= layer_idx <= num_layers = " + numLayers + ", got " + layerIdx);
        float[] g = new float[numHeads];
        for (int h = 0; h < numHeads; h++) g[h] = lightningDecay(numHeads, layerIdx, numLayers, h);
        return g;
    }

    static float lightningDecay(int H, int layerIdx, int numLayers, int h) {
        return (float) (-(8.0 / H * (1.0 - (double) layerIdx / numLayers)) * h);
    }

    // ---- forward: the faster form for the shape ----

    /** The two whole-sequence forms; {@link #prefersRecurrent} picks one for {@code forward}. */
    public enum Form { CHUNK, RECURRENT }

    /**
     * The measured rule of the public forward entries (table in docs/linear_attention.md, "Which form"). Both forms
     * cost a fixed amount per token: the chunk form {@code 4KV + 2C(K+V)} flops per token and head in small GEMMs,
     * the fused recurrent form {@code 4KV} in one streaming pass over an L1-resident state block. The chunk form
     * wins once the state is large: above 128 x 128 from one full chunk per sequence, at 128 x 128 from
     * {@link #CHUNK_MIN_TOKENS} tokens (below that the few chunks per head leave the threads unevenly loaded), never
     * below. The per-key gate (GLA) follows the same rule since its chunk form reuses the sub-block exponentials.
     *
     * @param perKeyGate GLA's per-key gate (the rule is the same; kept so the call names the op's kind)
     * @param tokensPerSeq tokens per sequence (the mean length of a packed batch)
     */
    public static Form form(boolean perKeyGate, int tokensPerSeq, int K, int V, int chunkSize) {
        long state = (long) K * V;
        boolean chunk = state > CHUNK_MIN_STATE ? tokensPerSeq >= chunkSize
                : state == CHUNK_MIN_STATE && tokensPerSeq >= Math.max(chunkSize, CHUNK_MIN_TOKENS);
        return chunk ? Form.CHUNK : Form.RECURRENT;
    }

    /** State size K·V from which forward can pick the chunk form. */
    public static final int CHUNK_MIN_STATE = 128 * 128;

    /** Tokens per sequence from which a state of exactly {@link #CHUNK_MIN_STATE} runs the chunk form. */
    public static final int CHUNK_MIN_TOKENS = 512;

    private static Form pick(boolean perKeyGate, Tensor q, Tensor v, int[] cuSeqlens, int chunkSize) {
        Shapes.checkRank("q", q, 4, "B, T, H, K");
        Shapes.checkRank("v", v, 4, "B, T, H, V");
        int seqs = cuSeqlens == null ? 1 : Math.max(1, cuSeqlens.length - 1);
        return form(perKeyGate, q.dim(1) / seqs, q.dim(3), v.dim(3), chunkSize);
    }

    /** {@code linear_attn} in the faster form for the shape ({@link #form}); chunkSize is used by the chunk form. */
    public static GlaOutput linearAttn(Tensor q, Tensor k, Tensor v, float scale, Tensor initialState, boolean outputFinalState,
                                       boolean normalize, Tensor initialKeySum, int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return pick(false, q, v, cuSeqlens, chunkSize) == Form.RECURRENT
                ? fusedRecurrentLinearAttn(q, k, v, scale, initialState, outputFinalState, normalize, initialKeySum, cuSeqlens)
                : chunkLinearAttn(q, k, v, scale, initialState, outputFinalState, normalize, initialKeySum, cuSeqlens, chunkSize);
    }

    /** {@code simple_gla} in the faster form for the shape. */
    public static GlaOutput simpleGla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor initialState, boolean outputFinalState,
                                      int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return pick(false, q, v, cuSeqlens, chunkSize) == Form.RECURRENT
                ? fusedRecurrentSimpleGla(q, k, v, g, scale, initialState, outputFinalState, cuSeqlens)
                : chunkSimpleGla(q, k, v, g, scale, initialState, outputFinalState, cuSeqlens, chunkSize);
    }

    /** {@code lightning_attn} in the faster form for the shape. */
    public static GlaOutput lightningAttn(Tensor q, Tensor k, Tensor v, int layerIdx, int numLayers, float scale, Tensor initialState,
                                          boolean outputFinalState, int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return pick(false, q, v, cuSeqlens, chunkSize) == Form.RECURRENT
                ? fusedRecurrentLightningAttn(q, k, v, layerIdx, numLayers, scale, initialState, outputFinalState, cuSeqlens)
                : chunkLightningAttn(q, k, v, layerIdx, numLayers, scale, initialState, outputFinalState, cuSeqlens, chunkSize);
    }

    /** {@code gla} in the faster form for the shape. */
    public static GlaOutput gla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor initialState, boolean outputFinalState,
                                int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return pick(true, q, v, cuSeqlens, chunkSize) == Form.RECURRENT
                ? fusedRecurrentGla(q, k, v, g, scale, initialState, outputFinalState, cuSeqlens)
                : chunkGla(q, k, v, g, scale, initialState, outputFinalState, cuSeqlens, chunkSize);
    }

    // ---- linear_attn ----

    /**
     * {@code S += k vᵀ, o = Sᵀ(q·scale)}; with {@code normalize}, o is divided by {@code (q·scale)·z + 1e-10} where z
     * is the running key sum (from {@code initialKeySum} [N,H,K], zeros when null); the final state and key sum are
     * then returned separately.
     */
    public static GlaOutput chunkLinearAttn(Tensor q, Tensor k, Tensor v, float scale, Tensor initialState, boolean outputFinalState,
                                            boolean normalize, Tensor initialKeySum, int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return ChunkGla.run(GlaProblem.of(GlaProblem.Gate.NONE, q, k, v, null, null, scale, initialState, initialKeySum, cuSeqlens, normalize),
                chunkSize, outputFinalState);
    }

    public static GlaOutput fusedRecurrentLinearAttn(Tensor q, Tensor k, Tensor v, float scale, Tensor initialState, boolean outputFinalState,
                                                     boolean normalize, Tensor initialKeySum, int[] cuSeqlens) {
        return trim(RecurrentGla.run(GlaProblem.of(GlaProblem.Gate.NONE, q, k, v, null, null, scale, initialState, initialKeySum,
                cuSeqlens, normalize)), outputFinalState);
    }

    // ---- simple_gla ----

    /** {@code S = exp(g)·S + k vᵀ, o = Sᵀ(q·scale)} with g [B,T,H]. */
    public static GlaOutput chunkSimpleGla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor initialState, boolean outputFinalState,
                                           int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return ChunkGla.run(GlaProblem.of(GlaProblem.Gate.HEAD, q, k, v, g, null, scale, initialState, null, cuSeqlens, false),
                chunkSize, outputFinalState);
    }

    public static GlaOutput fusedRecurrentSimpleGla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor initialState,
                                                    boolean outputFinalState, int[] cuSeqlens) {
        return trim(RecurrentGla.run(GlaProblem.of(GlaProblem.Gate.HEAD, q, k, v, g, null, scale, initialState, null, cuSeqlens, false)),
                outputFinalState);
    }

    // ---- lightning_attn ----

    /** Simple GLA with the constant per-head decay {@link #lightningDecay(int, int, int)}. */
    public static GlaOutput chunkLightningAttn(Tensor q, Tensor k, Tensor v, int layerIdx, int numLayers, float scale, Tensor initialState,
                                               boolean outputFinalState, int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return ChunkGla.run(lightning(q, k, v, layerIdx, numLayers, scale, initialState, cuSeqlens), chunkSize, outputFinalState);
    }

    public static GlaOutput fusedRecurrentLightningAttn(Tensor q, Tensor k, Tensor v, int layerIdx, int numLayers, float scale,
                                                        Tensor initialState, boolean outputFinalState, int[] cuSeqlens) {
        return trim(RecurrentGla.run(lightning(q, k, v, layerIdx, numLayers, scale, initialState, cuSeqlens)), outputFinalState);
    }

    private static GlaProblem lightning(Tensor q, Tensor k, Tensor v, int layerIdx, int numLayers, float scale, Tensor initialState,
                                        int[] cuSeqlens) {
        Shapes.checkRank("q", q, 4, "B, T, H, K");
        float[] gamma = lightningDecay(q.dim(2), layerIdx, numLayers);
        return GlaProblem.of(GlaProblem.Gate.CONSTANT, q, k, v, null, gamma, scale, initialState, null, cuSeqlens, false);
    }

    // ---- gla ----

    /** {@code S = diag(exp(g))·S + k vᵀ, o = Sᵀ(q·scale)} with g [B,T,H,K]. */
    public static GlaOutput chunkGla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor initialState, boolean outputFinalState,
                                     int[] cuSeqlens, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return ChunkGla.run(GlaProblem.of(GlaProblem.Gate.KEY, q, k, v, g, null, scale, initialState, null, cuSeqlens, false),
                chunkSize, outputFinalState);
    }

    public static GlaOutput fusedRecurrentGla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor initialState,
                                              boolean outputFinalState, int[] cuSeqlens) {
        return trim(RecurrentGla.run(GlaProblem.of(GlaProblem.Gate.KEY, q, k, v, g, null, scale, initialState, null, cuSeqlens, false)),
                outputFinalState);
    }

    private static GlaOutput trim(GlaOutput r, boolean outputFinalState) {
        return outputFinalState ? r : new GlaOutput(r.o(), null, r.keySum());
    }

    /*
     * In place, for serving and chunked prefill (as the delta rule's and Mamba-2's in-place entries): the fused
     * recurrent form on the caller's state [B, H, K, V] ([N, H, K, V] with cu_seqlens), read as the initial state and
     * left holding the final one, and every element of o [B, T, H, V] written; linear_attn with normalize does the
     * same with the key sum [N, H, K]. The same code as the allocating fusedRecurrent* entries, so bit-identical to
     * them. Nothing of the problem's size is allocated (q, k, v, g are read where they are when contiguous). state,
     * o and the key sum must be contiguous (any offset), the states finite, and none may share storage with another
     * or with an input. A rejected call (IllegalArgumentException) modifies nothing.
     */

    /** {@link #fusedRecurrentLinearAttn} in place; keySum [N,H,K] is required with normalize (read and updated), null without. */
    public static void fusedRecurrentLinearAttnInPlace(Tensor q, Tensor k, Tensor v, float scale, Tensor state, Tensor o,
                                                       boolean normalize, Tensor keySum, int[] cuSeqlens) {
        GlaProblem p = GlaProblem.of(GlaProblem.Gate.NONE, q, k, v, null, null, scale, null, null, cuSeqlens, normalize);
        recurrentInPlace(p, state, o, keySum, q, k, v, null);
    }

    /** {@link #fusedRecurrentSimpleGla} in place on {@code state}, writing {@code o}. */
    public static void fusedRecurrentSimpleGlaInPlace(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor state, Tensor o,
                                                      int[] cuSeqlens) {
        GlaProblem p = GlaProblem.of(GlaProblem.Gate.HEAD, q, k, v, g, null, scale, null, null, cuSeqlens, false);
        recurrentInPlace(p, state, o, null, q, k, v, g);
    }

    /** {@link #fusedRecurrentLightningAttn} in place on {@code state}, writing {@code o}. */
    public static void fusedRecurrentLightningAttnInPlace(Tensor q, Tensor k, Tensor v, int layerIdx, int numLayers, float scale,
                                                          Tensor state, Tensor o, int[] cuSeqlens) {
        recurrentInPlace(lightning(q, k, v, layerIdx, numLayers, scale, null, cuSeqlens), state, o, null, q, k, v, null);
    }

    /** {@link #fusedRecurrentGla} in place on {@code state}, writing {@code o}. */
    public static void fusedRecurrentGlaInPlace(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor state, Tensor o,
                                                int[] cuSeqlens) {
        GlaProblem p = GlaProblem.of(GlaProblem.Gate.KEY, q, k, v, g, null, scale, null, null, cuSeqlens, false);
        recurrentInPlace(p, state, o, null, q, k, v, g);
    }

    private static final String[] INPUTS = {"q", "k", "v", "g"}, INPUTS_AND_STATE = {"q", "k", "v", "g", "state"};

    /** Checks state, o and the key sum (normalize only) before anything is written, then runs on them. */
    private static void recurrentInPlace(GlaProblem p, Tensor state, Tensor o, Tensor keySum, Tensor q, Tensor k, Tensor v, Tensor g) {
        Shapes.checkNamed("state", state, p.cu == null ? "B, H, K, V" : "N, H, K, V", p.N, p.H, p.K, p.V);
        Shapes.checkNamed("o", o, "B, T, H, V", p.B, p.T, p.H, p.V);
        if (p.normalize) {
            Shapes.checkNamed("key_sum", keySum, p.cu == null ? "B, H, K" : "N, H, K", p.N, p.H, p.K);
        } else if (keySum != null) {
            throw new IllegalArgumentException("key_sum: expected null without normalize, got shape " + Arrays.toString(keySum.shape()));
        }
        InPlaceArgs.check(state, "o", o, INPUTS, q, k, v, g);
        if (keySum != null) InPlaceArgs.check("key_sum", keySum, "o", o, INPUTS_AND_STATE, q, k, v, g, state);
        RecurrentGla.run(p, state, keySum, o.data(), o.offset(), state.data(), state.offset(),
                keySum == null ? null : keySum.data(), keySum == null ? 0 : keySum.offset());
    }

    // ---- step: one token per sequence, state [B,H,K,V] updated in place, no allocation ----

    /** q, k [B,H,K], v [B,H,V], state [B,H,K,V], o [B,H,V]; keySum [B,H,K] non-null means normalize (updated in place). */
    public static void stepLinearAttn(Tensor q, Tensor k, Tensor v, float scale, Tensor state, Tensor keySum, Tensor o) {
        step(GlaProblem.Gate.NONE, q, k, v, null, 0, 1, scale, state, keySum, o);
    }

    /** As {@link #stepLinearAttn} with g [B,H]. */
    public static void stepSimpleGla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor state, Tensor o) {
        step(GlaProblem.Gate.HEAD, q, k, v, g, 0, 1, scale, state, null, o);
    }

    public static void stepLightningAttn(Tensor q, Tensor k, Tensor v, int layerIdx, int numLayers, float scale, Tensor state, Tensor o) {
        step(GlaProblem.Gate.CONSTANT, q, k, v, null, layerIdx, numLayers, scale, state, null, o);
    }

    /** As {@link #stepLinearAttn} with g [B,H,K]. */
    public static void stepGla(Tensor q, Tensor k, Tensor v, Tensor g, float scale, Tensor state, Tensor o) {
        step(GlaProblem.Gate.KEY, q, k, v, g, 0, 1, scale, state, null, o);
    }

    private static void step(GlaProblem.Gate gate, Tensor q, Tensor k, Tensor v, Tensor g, int layerIdx, int numLayers, float scale,
                             Tensor state, Tensor keySum, Tensor o) {
        // validation first, allocation-free unless it fails
        StepChecks.dims("q", q, "B, H, K", -1, -1, -1);
        int B = q.dim(0), H = q.dim(1), K = q.dim(2);
        StepChecks.positive("q", q);
        StepChecks.dims("k", k, "B, H, K", B, H, K);
        StepChecks.dims("v", v, "B, H, V", B, H, -1);
        int V = v.dim(2);
        StepChecks.positive("v", v);
        StepChecks.dims("state", state, "B, H, K, V", B, H, K, V);
        StepChecks.dims("o", o, "B, H, V", B, H, V);
        if (gate == GlaProblem.Gate.HEAD) StepChecks.dims("g", g, "B, H", B, H);
        if (gate == GlaProblem.Gate.KEY) StepChecks.dims("g", g, "B, H, K", B, H, K);
        if (keySum != null) StepChecks.dims("key_sum", keySum, "B, H, K", B, H, K);
        Shapes.finite("scale", scale);
        if (gate == GlaProblem.Gate.CONSTANT) {
            Shapes.positive("num_layers", numLayers);
            Shapes.require(layerIdx >= 0 && layerIdx <= numLayers, "layer_idx: expected 0 <= layer_idx <= num_layers");
        }
        if (g != null && !VectorizationProvider.ops().allWithin(g.data(), g.offset(), g.numel(), -Float.MAX_VALUE, 0f)) {
            float[] gd = g.data();
            for (int i = 0, n = g.numel(); i < n; i++) GlaProblem.checkGate("g", gd[g.offset() + i], i);
        }
        StepHeads.run(gate, q, k, v, g, layerIdx, numLayers, scale, state, keySum, o);
    }
}
