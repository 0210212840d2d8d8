package org.seqmix.kernels.deltarule;

import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.InPlaceArgs;

/**
 * The delta-rule family, token-major as flash-linear-attention: q, k {@code [B, T, H, K]}, v {@code [B, T, HV, V]}
 * (HV a multiple of H; value head i reads query/key head i / (HV/H)), log-space decays g, beta in [0, 2],
 * states {@code [B or N, HV, K, V]}. {@code scale} null means K^-0.5; {@code cuSeqlens} (B = 1) packs N
 * sequences with one state each. Chunk forms take {@code chunkSize} (fla: 64); recurrent forms go token by token.
 * All arguments are validated before anything is computed; the inputs are never modified.
 */
public final class DeltaRule {
    /** fla's default chunk size. */
    public static final int DEFAULT_CHUNK = 64;

    private DeltaRule() {}

        /*
     * The forward entries (what the layers call). Measured on this CPU (seqmix bench, 2 threads, K=V=64..128,
     * H=8..32, T=64..4096; docs/gated_deltanet.md) the fused recurrent form beat the chunk form at every shape,
     * by 1.4x to 3.2x, so forward runs it; the chunk form stays callable for training-style use and other CPUs.
     */

    /** Gated delta rule, the fastest form for this CPU (see above); chunkSize is validated and kept for the chunk form. */
    public static DeltaRuleOutput gatedDeltaRule(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                                 Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                                 boolean useQkL2normInKernel, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return recurrentGatedDeltaRule(q, k, v, g, beta, scale, initialState, outputFinalState, cuSeqlens, useQkL2normInKernel);
    }

    /** KDA, the fastest form for this CPU. */
    public static DeltaRuleOutput kda(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                      Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                      boolean useQkL2normInKernel, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return recurrentKda(q, k, v, g, beta, scale, initialState, outputFinalState, cuSeqlens, useQkL2normInKernel);
    }

    /** Gated DeltaNet-2, the fastest form for this CPU. */
    public static DeltaRuleOutput gdn2(Tensor q, Tensor k, Tensor v, Tensor g, Tensor b, Tensor w, Float scale,
                                       Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                       boolean useQkL2normInKernel, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        return recurrentGdn2(q, k, v, g, b, w, scale, initialState, outputFinalState, cuSeqlens, useQkL2normInKernel);
    }

/** Gated delta rule (Gated DeltaNet), fla's {@code chunk_gated_delta_rule}; g {@code [B,T,HV]} or null (plain delta rule). */
    public static DeltaRuleOutput chunkGatedDeltaRule(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                                      Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                                      boolean useQkL2normInKernel, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        Problem p = Problem.of(q, k, v, g, false, beta, null, null, scale, initialState, cuSeqlens, useQkL2normInKernel, true);
        return ChunkDeltaRule.run(p, outputFinalState, chunkSize);
    }

    /** Token-by-token gated delta rule ({@code fused_recurrent_gated_delta_rule}). */
    public static DeltaRuleOutput recurrentGatedDeltaRule(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                                          Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                                          boolean useQkL2normInKernel) {
        Problem p = Problem.of(q, k, v, g, false, beta, null, null, scale, initialState, cuSeqlens, useQkL2normInKernel, true);
        return RecurrentDeltaRule.run(p, outputFinalState, DeltaStepKernel.best());
    }

    /** Kimi Delta Attention (channel-wise decay g {@code [B,T,HV,K]}), fla's {@code chunk_kda}. */
    public static DeltaRuleOutput chunkKda(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                           Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                           boolean useQkL2normInKernel, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        Shapes.require(g != null, "g: expected shape [B, T, HV, K], got null");
        Problem p = Problem.of(q, k, v, g, true, beta, null, null, scale, initialState, cuSeqlens, useQkL2normInKernel, true);
        return ChunkDeltaRule.run(p, outputFinalState, chunkSize);
    }

    /** Token-by-token KDA. */
    public static DeltaRuleOutput recurrentKda(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                               Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                               boolean useQkL2normInKernel) {
        Shapes.require(g != null, "g: expected shape [B, T, HV, K], got null");
        Problem p = Problem.of(q, k, v, g, true, beta, null, null, scale, initialState, cuSeqlens, useQkL2normInKernel, true);
        return RecurrentDeltaRule.run(p, outputFinalState, DeltaStepKernel.best());
    }

    /**
     * Gated DeltaNet-2: {@code S = diag(exp(g)) S; v' = w∘v - Sᵀ(b∘k); S += k v'ᵀ; o = Sᵀ(q·scale)} with erase gate
     * b {@code [B,T,HV,K]} and write gate w {@code [B,T,HV,V]} (both in [0, 2]); g {@code [B,T,HV,K]}.
     */
    public static DeltaRuleOutput chunkGdn2(Tensor q, Tensor k, Tensor v, Tensor g, Tensor b, Tensor w, Float scale,
                                            Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                            boolean useQkL2normInKernel, int chunkSize) {
        Shapes.positive("chunk_size", chunkSize);
        requireGdn2(g, b, w);
        Problem p = Problem.of(q, k, v, g, true, null, b, w, scale, initialState, cuSeqlens, useQkL2normInKernel, true);
        return ChunkDeltaRule.run(p, outputFinalState, chunkSize);
    }

    /** Token-by-token Gated DeltaNet-2. */
    public static DeltaRuleOutput recurrentGdn2(Tensor q, Tensor k, Tensor v, Tensor g, Tensor b, Tensor w, Float scale,
                                                Tensor initialState, boolean outputFinalState, int[] cuSeqlens,
                                                boolean useQkL2normInKernel) {
        requireGdn2(g, b, w);
        Problem p = Problem.of(q, k, v, g, true, null, b, w, scale, initialState, cuSeqlens, useQkL2normInKernel, true);
        return RecurrentDeltaRule.run(p, outputFinalState, DeltaStepKernel.best());
    }

    /*
     * In place, for serving and chunked prefill (as vLLM's fused_recurrent with inplace_final_state): the
     * token-by-token form on the caller's state {@code [B, HV, K, V]} ({@code [N, HV, K, V]} with cu_seqlens), read
     * as the initial state and left holding the final one, and o {@code [B, T, HV, V]} written. Nothing of the
     * problem's size is allocated (no output or state tensors; q, k, v are read where they are when contiguous).
     * state and o must be contiguous, finite (state) and share no storage with each other or with the inputs.
     * A rejected call (IllegalArgumentException) modifies nothing.
     */

    /** {@link #recurrentGatedDeltaRule} in place on {@code state}, writing {@code o} (see above). */
    public static void recurrentGatedDeltaRuleInPlace(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                                      Tensor state, Tensor o, int[] cuSeqlens, boolean useQkL2normInKernel) {
        Problem p = Problem.of(q, k, v, g, false, beta, null, null, scale, null, cuSeqlens, useQkL2normInKernel, true);
        runInPlace(p, state, o, q, k, v, g, beta);
    }

    /** {@link #recurrentKda} in place on {@code state}, writing {@code o}. */
    public static void recurrentKdaInPlace(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Float scale,
                                           Tensor state, Tensor o, int[] cuSeqlens, boolean useQkL2normInKernel) {
        Shapes.require(g != null, "g: expected shape [B, T, HV, K], got null");
        Problem p = Problem.of(q, k, v, g, true, beta, null, null, scale, null, cuSeqlens, useQkL2normInKernel, true);
        runInPlace(p, state, o, q, k, v, g, beta);
    }

    /** {@link #recurrentGdn2} in place on {@code state}, writing {@code o}. */
    public static void recurrentGdn2InPlace(Tensor q, Tensor k, Tensor v, Tensor g, Tensor b, Tensor w, Float scale,
                                            Tensor state, Tensor o, int[] cuSeqlens, boolean useQkL2normInKernel) {
        requireGdn2(g, b, w);
        Problem p = Problem.of(q, k, v, g, true, null, b, w, scale, null, cuSeqlens, useQkL2normInKernel, true);
        runInPlace(p, state, o, q, k, v, g, b, w);
    }

    private static void runInPlace(Problem p, Tensor state, Tensor o, Tensor... inputs) {
        Shapes.checkNamed("state", state, p.cu == null ? "B, HV, K, V" : "N, HV, K, V", p.n, p.hv, p.kd, p.vd);
        Shapes.checkNamed("o", o, "B, T, HV, V", p.b, p.t, p.hv, p.vd);
        InPlaceArgs.check(state, "o", o, new String[] {"q", "k", "v", "g", "beta or b", "w"}, inputs);
        RecurrentDeltaRule.run(p, null, state.data(), state.offset(), o.data(), o.offset(), DeltaStepKernel.best());
    }

    private static void requireGdn2(Tensor g, Tensor b, Tensor w) {
        Shapes.require(g != null, "g: expected shape [B, T, HV, K], got null");
        Shapes.require(b != null, "b: expected shape [B, T, HV, K], got null");
        Shapes.require(w != null, "w: expected shape [B, T, HV, V], got null");
    }
}
