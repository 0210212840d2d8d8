package org.seqmix.kernels.mamba;

import org.seqmix.core.Parallel;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Activations;
import org.seqmix.kernels.ChunkMatmul;
import org.seqmix.kernels.CacheLines;
import org.seqmix.kernels.InPlaceArgs;
import org.seqmix.kernels.ThreadScratch;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Mamba-2 state space duality (SSD), chunked, as mamba_ssm's {@code mamba_chunk_scan_combined}
 * ({@code ssd_minimal_discrete}). Per head h with scalar decay {@code a_t = dt'_t * A[h]} and state S {@code [P, N]}:
 * {@code S_t = exp(a_t) S_{t-1} + dt'_t x_t B_tᵀ}, {@code y_t = S_t C_t + D x_t}, gated by {@code silu(z_t)}.
 *
 * <p>Within a chunk of {@code chunkSize} tokens, with {@code c} the within-chunk cumulative sum of {@code a}:
 * {@code Y = (C Bᵀ ∘ L ∘ dt') X + diag(exp(c)) C S₀ᵀ} with {@code L[i,j] = exp(c_i - c_j)} for {@code j <= i}
 * (a difference of cumulative sums: never exp of a large positive number), and the state passed on is
 * {@code exp(c_last) S₀ + (X ∘ exp(c_last - c) dt')ᵀ B}. The matrix products are unpacked
 * {@link ChunkMatmul#mul} on states kept transposed ({@link Item}); (batch or sequence) x group x block-of-heads
 * items run in parallel, each walking its chunks in order and sharing the chunk's {@code C Bᵀ} across its heads. The
 * blocking is fixed, so results do not depend on the thread count. {@link #recurrent} is the fused token-by-token
 * form and {@link #forward} picks the faster of the two for the shape. Each has an in-place twin
 * ({@link #forwardInPlace} ...) on the caller's state and y, for serving and chunked prefill.
 */
public final class Mamba2Ssd {
    public static final int DEFAULT_CHUNK_SIZE = 64;
    /** Heads of one group per parallel item; they share the C Bᵀ product of each chunk. */
    private static final int HEADS_PER_ITEM = 8;

    private Mamba2Ssd() {}

    /** y {@code [B, T, H, P]} and the final state {@code [B or N, H, P, N]} (null unless asked for). */
    public record Result(Tensor y, Tensor finalState) {}

    /**
     * Mamba-2 in the faster form for the shape (the rule {@link #prefersChunk}, measured: docs/mamba.md,
     * "Performance"); same arguments as {@link #chunkScanCombined}, whose {@code chunkSize} the chunk form uses.
     */
    public static Result forward(Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, int chunkSize, Tensor D, Tensor z,
                                 Tensor dtBias, boolean dtSoftplus, Tensor initialState, boolean outputFinalState, int[] cuSeqlens) {
        return usesChunk(x, B, chunkSize, cuSeqlens)
                ? chunkScanCombined(x, dt, A, B, C, chunkSize, D, z, dtBias, dtSoftplus, initialState, outputFinalState, cuSeqlens)
                : recurrent(x, dt, A, B, C, D, z, dtBias, dtSoftplus, initialState, outputFinalState, cuSeqlens);
    }

    /** {@link #prefersChunk} for these arguments (after checking what it reads). */
    private static boolean usesChunk(Tensor x, Tensor B, int chunkSize, int[] cuSeqlens) {
        Shapes.positive("chunk_size", chunkSize);
        Shapes.checkRank("x", x, 4, "B, T, H, P");
        Shapes.checkRank("B", B, 4, "B, T, G, N");
        int seqs = cuSeqlens == null ? 1 : Math.max(1, cuSeqlens.length - 1);
        return prefersChunk(x.dim(1) / seqs, x.dim(3), B.dim(3), chunkSize);
    }

    /**
     * Whether {@link #forward} runs the chunk form (measured, docs/mamba.md "Performance"): the fused recurrent form
     * does {@code 4PN} flops per token and head on a state block of at most 32 KiB (L1); with N = 256 its column
     * blocks narrow to 32 and the chunk form wins from about 1024 tokens per sequence. For N <= 128 the recurrent
     * form wins up to ~4096 tokens (a tie there at P = 64); with the unpacked chunk products the chunk form is
     * 7-10% faster from 8192 tokens at P = 64 (larger P not re-measured: recurrent).
     */
    public static boolean prefersChunk(int tokensPerSeq, int P, int N, int chunkSize) {
        if (N > CHUNK_MIN_N) return tokensPerSeq >= Math.max(chunkSize, CHUNK_MIN_TOKENS);
        return P <= LONG_CHUNK_MAX_P && tokensPerSeq >= Math.max(chunkSize, LONG_CHUNK_MIN_TOKENS);
    }

    /** Tokens per sequence from which {@link #forward} runs the chunk form when N <= {@link #CHUNK_MIN_N}. */
    public static final int LONG_CHUNK_MIN_TOKENS = 8192;
    /** Largest P for which the {@link #LONG_CHUNK_MIN_TOKENS} rule was measured. */
    public static final int LONG_CHUNK_MAX_P = 64;

    /** Largest d_state for which {@link #forward} runs the recurrent form up to {@link #LONG_CHUNK_MIN_TOKENS}. */
    public static final int CHUNK_MIN_N = 128;
    /** Tokens per sequence from which {@link #forward} runs the chunk form when N > {@link #CHUNK_MIN_N}. */
    public static final int CHUNK_MIN_TOKENS = 1024;

    /**
     * @param x {@code [B, T, H, P]}
     * @param dt {@code [B, T, H]} raw time steps; {@code dt' = softplus(dt + dt_bias)} when {@code dtSoftplus}
     * @param A {@code [H]}, finite and {@code <= 0} (mamba_ssm's {@code -exp(A_log)})
     * @param B {@code [B, T, G, N]}, head h reads group {@code h / (H / G)}
     * @param C {@code [B, T, G, N]}
     * @param chunkSize tokens per chunk (> 0); T need not be a multiple
     * @param D {@code [H]} or {@code [H, P]} skip, or null
     * @param z {@code [B, T, H, P]} gate ({@code y *= silu(z)}), or null
     * @param dtBias {@code [H]} or null
     * @param initialState {@code [B, H, P, N]} (or {@code [N_seq, H, P, N]} with cu_seqlens), or null for zeros
     * @param outputFinalState whether to return the final state
     * @param cuSeqlens packed sequence boundaries {@code [N_seq + 1]} (then B must be 1), or null
     */
    public static Result chunkScanCombined(Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, int chunkSize, Tensor D, Tensor z,
                                           Tensor dtBias, boolean dtSoftplus, Tensor initialState, boolean outputFinalState,
                                           int[] cuSeqlens) {
        Shapes.positive("chunk_size", chunkSize);
        Call c = Call.of(x, dt, A, B, C, D, z, dtBias, initialState, cuSeqlens);
        return allocating(c, outputFinalState, out -> runChunk(out, chunkSize, dtSoftplus));
    }

    /** The chunk form of call {@code c} into its y and final-state arrays. */
    private static void runChunk(Call c, int chunkSize, boolean dtSoftplus) {
        int h = c.h, p = c.p, n = c.n, g = c.g, t = c.t;
        float[] dtAll = stepSizes(c, dtSoftplus);
        int headsPerGroup = h / g;
        // an item is (sequence, group, block of heads of that group): the block shares one C Bᵀ per chunk.
        // The blocking is fixed (not thread-dependent), and every head computes the same either way.
        int blocksPerGroup = (headsPerGroup + HEADS_PER_ITEM - 1) / HEADS_PER_ITEM;
        int itemsPerSeq = g * blocksPerGroup;
        Parallel.forRange(c.seqs * itemsPerSeq, item -> {
            int s = item / itemsPerSeq, gg = (item % itemsPerSeq) / blocksPerGroup, blk = item % blocksPerGroup;
            int h0 = gg * headsPerGroup + blk * HEADS_PER_ITEM, h1 = Math.min(h0 + HEADS_PER_ITEM, (gg + 1) * headsPerGroup);
            int bi = c.batch(s), t0 = c.start(s), t1 = c.end(s);
            Scratch sc = Scratch.take(Math.min(chunkSize, Math.max(t, 1)), p, n);
            try {
                float[] st = sc.states;
                // Sᵀ [N, P] of each head from its [P, N] state
                if (c.init != null) {
                    for (int k = 0; k < h1 - h0; k++) transpose(c.init, c.io + (s * h + h0 + k) * p * n, p, n, st, k * p * n);
                } else {
                    java.util.Arrays.fill(st, 0, (h1 - h0) * p * n, 0f);
                }
                new Item(sc, c.xa, dtAll, c.ba, c.ca, c.ya, c.yo, t, h, p, g, n, chunkSize, c.aa).run(bi, gg, h0, h1, t0, t1, st);
                skipAndGate(c.xa, c.za, c.ya, c.yo, c.da, c.dPerChannel, bi, h0, h1, t0, t1, t, h, p);
                if (c.fa != null) {
                    for (int k = 0; k < h1 - h0; k++) transpose(st, k * p * n, n, p, c.fa, c.fo + (s * h + h0 + k) * p * n);
                }
            } finally {
                sc.busy = false;
            }
        });
    }

    /**
     * The recurrent form over a whole sequence (the {@code selective_state_update} recurrence token by token), same
     * arguments and result as {@link #chunkScanCombined} without the chunk size. Each (sequence, head, column block)
     * item keeps its state transposed, {@code [N, P]}, and rescaled by its running decay, so one {@link SsdScanTokens}
     * pass per block of up to 32 tokens updates and reads out the state vectorised over P with two FMAs per element and
     * token and no horizontal sum; parallel over the items, bit-identical for any thread count.
     */
    public static Result recurrent(Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor dtBias,
                                   boolean dtSoftplus, Tensor initialState, boolean outputFinalState, int[] cuSeqlens) {
        Call c = Call.of(x, dt, A, B, C, D, z, dtBias, initialState, cuSeqlens);
        return allocating(c, outputFinalState, out -> runRecurrent(out, dtSoftplus));
    }

    /** The recurrent form of call {@code c} into its y and final-state arrays. */
    private static void runRecurrent(Call c, boolean dtSoftplus) {
        int h = c.h, p = c.p, n = c.n, t = c.t, g = c.g;
        int headsPerGroup = h / g;
        SsdScanTokens kernel = SsdScanTokens.get();
        float[][] steps = timeSteps(c, dtSoftplus);
        // the columns (p) are independent: (sequence, head, block of columns) items keep a state block that fits L1
        int pb = p * n <= RECURRENT_L1_FLOATS ? p : Math.min(p, Math.max(16, RECURRENT_L1_FLOATS / n / 16 * 16));
        int blocks = (p + pb - 1) / pb;
        Parallel.forRange(c.seqs * h * blocks, item -> {
            int s = item / (h * blocks), hh = (item / blocks) % h, gg = hh / headsPerGroup;
            int q0 = (item % blocks) * pb, w = Math.min(pb, p - q0);
            int bi = c.batch(s), t0 = c.start(s), t1 = c.end(s);
            RecurrentItem it = new RecurrentItem(kernel, c, steps[0], steps[1], n, w, gg, hh);
            // Sᵀ block [N, w] from the [P, N] layout (the scratch holds a previous item's state: overwrite it all)
            if (c.init != null) transpose(c.init, c.io + (s * h + hh) * p * n + q0 * n, w, n, it.st, 0);
            else java.util.Arrays.fill(it.st, 0, n * w, 0f);
            it.run(bi, q0, t0, t1);
            if (c.fa != null) transpose(it.st, 0, n, w, c.fa, c.fo + (s * h + hh) * p * n + q0 * n);
        });
        // D skip and z gate per (sequence, head), after every column block is done
        Parallel.forRange(c.seqs * h, item -> {
            int s = item / h, hh = item % h;
            skipAndGate(c.xa, c.za, c.ya, c.yo, c.da, c.dPerChannel, c.batch(s), hh, hh + 1, c.start(s), c.end(s), t, h, p);
        });
    }

    /** Runs {@code form} on {@code c} into a new y and (when asked for) a new final state. */
    private static Result allocating(Call c, boolean outputFinalState, java.util.function.Consumer<Call> form) {
        Tensor y = Tensor.zeros(c.b, c.t, c.h, c.p), fin = outputFinalState ? Tensor.zeros(c.seqs, c.h, c.p, c.n) : null;
        form.accept(c.into(c.init, c.io, y.data(), 0, fin == null ? null : fin.data(), 0));
        return new Result(y, fin);
    }

    /*
     * In place, for serving and chunked prefill (as the delta rule's in-place entries): the caller's state
     * {@code [B, H, P, N]} ({@code [N_seq, H, P, N]} with cu_seqlens) is read as the initial state and left holding
     * the final one, and every element of the caller's y {@code [B, T, H, P]} is written. Same forms, same code, so
     * bit-identical to the allocating entries. No y, state or copy of the state is allocated (nor x, B, C, z copied
     * when contiguous from offset 0); dt' (and the recurrent form's decays), {@code B·T·H} floats each, still are.
     * state and y must be contiguous (any offset), state finite, and neither may share storage with the other or
     * with x, dt, B, C or z. A rejected call (IllegalArgumentException) modifies nothing.
     */

    /** {@link #forward} in place on {@code state}, writing {@code y} (see above): the same choice of form. */
    public static void forwardInPlace(Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, int chunkSize, Tensor D, Tensor z,
                                      Tensor dtBias, boolean dtSoftplus, Tensor state, Tensor y, int[] cuSeqlens) {
        if (usesChunk(x, B, chunkSize, cuSeqlens)) {
            chunkScanCombinedInPlace(x, dt, A, B, C, chunkSize, D, z, dtBias, dtSoftplus, state, y, cuSeqlens);
        } else {
            recurrentInPlace(x, dt, A, B, C, D, z, dtBias, dtSoftplus, state, y, cuSeqlens);
        }
    }

    /** {@link #chunkScanCombined} in place on {@code state}, writing {@code y}. */
    public static void chunkScanCombinedInPlace(Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, int chunkSize, Tensor D, Tensor z,
                                                Tensor dtBias, boolean dtSoftplus, Tensor state, Tensor y, int[] cuSeqlens) {
        Shapes.positive("chunk_size", chunkSize);
        runChunk(inPlace(Call.of(x, dt, A, B, C, D, z, dtBias, null, cuSeqlens), state, y, x, dt, B, C, z), chunkSize, dtSoftplus);
    }

    /** {@link #recurrent} in place on {@code state}, writing {@code y}. */
    public static void recurrentInPlace(Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor dtBias,
                                        boolean dtSoftplus, Tensor state, Tensor y, int[] cuSeqlens) {
        runRecurrent(inPlace(Call.of(x, dt, A, B, C, D, z, dtBias, null, cuSeqlens), state, y, x, dt, B, C, z), dtSoftplus);
    }

    /** Validates the caller's state and y (before anything is written) and returns {@code c} reading and writing them. */
    private static Call inPlace(Call c, Tensor state, Tensor y, Tensor... inputs) {
        Shapes.checkNamed("state", state, c.cu == null ? "B, H, P, N" : "N_seq, H, P, N", c.seqs, c.h, c.p, c.n);
        Shapes.checkNamed("y", y, "B, T, H, P", c.b, c.t, c.h, c.p);
        InPlaceArgs.check(state, "y", y, new String[] {"x", "dt", "B", "C", "z"}, inputs);
        return c.into(state.data(), state.offset(), y.data(), y.offset(), state.data(), state.offset());
    }

    /**
     * One (sequence, head, column block) of {@link #recurrent}: the state {@code Sᵀ [N, w]} is kept as {@code S = D s}
     * with a running decay {@code D} (so a token is two FMAs per element, see {@link SsdScanTokens}). A block runs the
     * longest run of tokens (at most {@link SsdScanTokens#BLOCK}) that keeps D at or above {@link #RESCALE_MIN},
     * which bounds {@code 1/D} in the update weights; then the state is folded back ({@code s *= D, D = 1}). A token
     * whose own decay is below the bound folds it in directly and runs undecayed (a decay that underflows to 0
     * clears the state, as in the direct form).
     */
    private static final class RecurrentItem {
        private static final int BLOCK = SsdScanTokens.BLOCK;
        final SsdScanTokens kernel;
        final Call c;
        final float[] dtp, decay, st, u, ys = new float[BLOCK], dts = new float[BLOCK], decays = new float[BLOCK];
        final int n, w, gg, hh;
        float scale = 1f;

        RecurrentItem(SsdScanTokens kernel, Call c, float[] dtp, float[] decay, int n, int w, int gg, int hh) {
            this.kernel = kernel; this.c = c; this.dtp = dtp; this.decay = decay; this.n = n; this.w = w; this.gg = gg;
            this.hh = hh;
            u = SCRATCH.get(0, 2 * BLOCK * w);   // u rows, then the kernel's scratch
            st = SCRATCH.get(1, n * w);          // Sᵀ [N, w] (its first n·w floats)
        }

        /** Per thread: u and the state block, reused by the next item (an item runs start to end on one thread, every
         *  slot it reads is written first, so the previous contents never matter). */
        private static final ThreadScratch SCRATCH = new ThreadScratch(2);

        void run(int bi, int q0, int t0, int t1) {
            for (int tt = t0; tt < t1; ) {
                int nb = Math.min(BLOCK, t1 - tt), m = 0;
                float d = scale;
                for (; m < nb; m++) {
                    int o = (bi * c.t + tt + m) * c.h + hh;
                    if (d * decay[o] < RESCALE_MIN) break;
                    d *= decay[o];
                    dts[m] = dtp[o];
                    decays[m] = decay[o];
                }
                if (m == 0) {
                    int o = (bi * c.t + tt) * c.h + hh;
                    if (decay[o] >= RESCALE_MIN) { // D itself is the obstacle: fold it and try again
                        fold(1f);
                        continue;
                    }
                    fold(decay[o]);
                    dts[0] = dtp[o];
                    decays[0] = 1f;   // applied by the fold
                    m = 1;
                }
                block(bi, q0, tt, m);
                tt += m;
            }
            fold(1f);
        }

        /** s *= D · extra (the state back in true scale, times a decay not yet applied), D = 1. */
        private void fold(float extra) {
            float f = scale * extra;
            if (f != 1f) VectorizationProvider.ops().scale(f, st, 0, n * w);
            scale = 1f;
        }

        /** Tokens tt .. tt + nb through the kernel, their decays (decays[0 ..]) folded into the scales. */
        private void block(int bi, int q0, int tt, int nb) {
            int ldb = c.g * c.n, ldx = c.h * c.p;
            int bo = ((bi * c.t + tt) * c.g + gg) * c.n, xo = ((bi * c.t + tt) * c.h + hh) * c.p + q0;
            // x rows of consecutive tokens are H·P floats apart, each in a new page: touch the block's rows first (their
            // misses overlap), then build u from cache. The sum lands in u's last slot, which the kernel writes before it
            // reads it (or never reads).
            u[u.length - 1] = CacheLines.touch(c.xa, xo, nb, ldx, w);
            float d = scale;
            for (int j = 0; j < nb; j++) {
                d *= decays[j];
                ys[j] = d;
                // u_j = (dt'_j / D_j) x_j (a plain loop: C2 vectorises it, no call per row)
                float f = dts[j] / d;
                for (int col = 0, xr = xo + j * ldx, ur = j * w; col < w; col++) u[ur + col] = c.xa[xr + col] * f;
            }
            scale = d;
            kernel.tokens(st, n, w, nb, c.ba, c.ca, bo, ldb, u, ys, c.ya, c.yo + xo, ldx);
        }
    }

    /**
     * {@code dt' = softplus(dt + dt_bias)} and the decays {@code exp(dt' A)} of every token and head ({@code [B, T, H]}),
     * vectorised once per call rather than per token in each item.
     */
    private static float[][] timeSteps(Call c, boolean softplus) {
        VectorOps ops = VectorizationProvider.ops();
        int rows = c.b * c.t, h = c.h;
        float[] dtp = stepSizes(c, softplus), decay = new float[rows * h];
        for (int r = 0; r < rows; r++) ops.mul(dtp, r * h, c.aa, 0, decay, r * h, h);
        ops.exp(decay, 0, decay, 0, rows * h);
        return new float[][] {dtp, decay};
    }

    /** {@code dt' = softplus(dt + dt_bias)} of every token and head ({@code [B, T, H]}), vectorised. */
    private static float[] stepSizes(Call c, boolean softplus) {
        VectorOps ops = VectorizationProvider.ops();
        int rows = c.b * c.t, h = c.h;
        float[] dtp = c.dta.clone();
        for (int r = 0; r < rows && c.bias != null; r++) ops.add(dtp, r * h, c.bias, 0, dtp, r * h, h);
        if (softplus) ops.softplus(dtp, 0, dtp, 0, rows * h);
        return dtp;
    }

    /** Smallest running decay of a recurrent item before its state is folded back to true scale. */
    static final float RESCALE_MIN = 0x1p-64f;

    /** State floats of one recurrent item kept within L1 (32 KiB). */
    private static final int RECURRENT_L1_FLOATS = 8192;

    /** out[c * rows + r] = in[r * cols + c]: a [rows, cols] block transposed. */
    private static void transpose(float[] in, int io, int rows, int cols, float[] out, int oo) {
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) out[oo + col * rows + r] = in[io + r * cols + col];
        }
    }

    /**
     * One validated call: sizes, flat inputs, the initial states {@code [seqs, H, P, N]} at {@code init[io ..]} (or
     * null: zeros), y {@code [B, T, H, P]} at {@code ya[yo ..]} and the final states at {@code fa[fo ..]} (or null).
     * Items read their own heads' initial states before writing their final ones, so init and fa may be one array.
     */
    private record Call(int b, int t, int h, int p, int g, int n, int seqs, int[] cu, float[] xa, float[] dta, float[] ba, float[] ca,
                        float[] za, float[] aa, float[] bias, float[] da, boolean dPerChannel, float[] init, int io, float[] ya, int yo,
                        float[] fa, int fo) {
        /** Validates the inputs; no y and final state yet ({@link #into}). */
        static Call of(Tensor x, Tensor dt, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor dtBias, Tensor initialState,
                       int[] cuSeqlens) {
            Shapes.checkRank("x", x, 4, "B, T, H, P");
            int b = x.dim(0), t = x.dim(1), h = x.dim(2), p = x.dim(3);
            Shapes.positive("B (batch)", b);
            Shapes.positive("H (heads)", h);
            Shapes.positive("P (headdim)", p);
            Shapes.checkNamed("dt", dt, "B, T, H", b, t, h);
            Shapes.checkRank("B", B, 4, "B, T, G, N");
            int g = B.dim(2), n = B.dim(3);
            Shapes.positive("G (ngroups)", g);
            Shapes.positive("N (d_state)", n);
            Shapes.checkNamed("B", B, "B, T, G, N", b, t, g, n);
            Shapes.checkNamed("C", C, "B, T, G, N", b, t, g, n);
            Shapes.divisible("H (heads)", h, "G (ngroups)", g);
            checkHeadParams(h, p, A, D, dtBias);
            if (z != null) Shapes.checkNamed("z", z, "B, T, H, P", b, t, h, p);
            int seqs = b;
            if (cuSeqlens != null) {
                Shapes.require(b == 1, "cu_seqlens: expected batch size 1 (packed sequences), got x of shape " + java.util.Arrays.toString(x.shape()));
                Shapes.checkCuSeqlens(cuSeqlens, t);
                seqs = cuSeqlens.length - 1;
            }
            if (initialState != null) Shapes.checkNamed("initial_state", initialState, "N, H, P, N_state", seqs, h, p, n);
            Shapes.allFinite("dt", dt);
            Tensor init = initialState == null ? null : initialState.contiguous();   // read, never written: no copy
            return new Call(b, t, h, p, g, n, seqs, cuSeqlens == null ? null : cuSeqlens.clone(), Checks.flat(x), Checks.flat(dt),
                    Checks.flat(B), Checks.flat(C), z == null ? null : Checks.flat(z), A.contiguous().toArray(),
                    dtBias == null ? null : dtBias.contiguous().toArray(), D == null ? null : D.contiguous().toArray(),
                    D != null && D.rank() == 2, init == null ? null : init.data(), init == null ? 0 : init.offset(), null, 0, null, 0);
        }

        /** This call reading its initial states from {@code init[io ..]}, writing y and the final states there. */
        Call into(float[] init, int io, float[] ya, int yo, float[] fa, int fo) {
            return new Call(b, t, h, p, g, n, seqs, cu, xa, dta, ba, ca, za, aa, bias, da, dPerChannel, init, io, ya, yo, fa, fo);
        }

        int batch(int s) { return cu == null ? s : 0; }
        int start(int s) { return cu == null ? 0 : cu[s]; }
        int end(int s) { return cu == null ? t : cu[s + 1]; }
    }

    static void checkHeadParams(int h, int p, Tensor A, Tensor D, Tensor dtBias) {
        Shapes.checkNamed("A", A, "H", h);
        if (D != null) {
            if (D.rank() == 2) Shapes.checkNamed("D", D, "H, P", h, p);
            else Shapes.checkNamed("D", D, "H (or H, P)", h);
        }
        if (dtBias != null) Shapes.checkNamed("dt_bias", dtBias, "H", h);
        Checks.finite("A", A, true);
        Checks.finite("D", D, false);
        Checks.finite("dt_bias", dtBias, false);
    }

    /** The time step after bias and softplus, as the reference kernels compute it. */
    static float dtPrime(float dt, float bias, boolean softplus) {
        float v = dt + bias;
        return softplus ? Activations.softplus(v) : v;
    }

    /**
     * y += D x, then y *= silu(z), for heads [h0, h1) of tokens [t0, t1): per token one pass over the heads' P-wide
     * rows, which are adjacent (a call per head and token was ~30% of a chunk-form call at H = 16, P = 64).
     */
    private static void skipAndGate(float[] xa, float[] za, float[] ya, int yo, float[] da, boolean dPerChannel, int bi, int h0,
                                    int h1, int t0, int t1, int t, int h, int p) {
        if (da == null && za == null) return;
        VectorOps ops = VectorizationProvider.ops();
        int w = (h1 - h0) * p;
        float[] gate = za == null ? null : new float[w];
        float[] dv = null;
        if (da != null) {
            // D per channel as one row over the heads (a per-head scalar D repeated P times)
            dv = new float[w];
            for (int hh = h0; hh < h1; hh++) {
                if (dPerChannel) System.arraycopy(da, hh * p, dv, (hh - h0) * p, p);
                else java.util.Arrays.fill(dv, (hh - h0) * p, (hh - h0 + 1) * p, da[hh]);
            }
        }
        for (int tt = t0; tt < t1; tt++) {
            int o = ((bi * t + tt) * h + h0) * p;
            if (dv != null) ops.fma(dv, 0, xa, o, ya, yo + o, w);
            if (za != null) {
                ops.silu(za, o, gate, 0, w);
                ops.mul(ya, yo + o, gate, 0, ya, yo + o, w);
            }
        }
    }

    /**
     * The scratch of a chunk-form item, kept per thread and reused by the next item and call with the same chunk,
     * P and N (no allocation per item or chunk); a busy one (re-entered through a nested parallel call) is never
     * shared.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> CACHE = new ThreadLocal<>();
        final int c, p, n;
        final float[] dtp, cum, ex, bt, cb, m, xw, states;
        boolean busy;

        private Scratch(int c, int p, int n) {
            this.c = c; this.p = p; this.n = n;
            dtp = new float[c];
            cum = new float[c];
            ex = new float[c];
            bt = new float[n * c];
            cb = new float[c * c];
            m = new float[ROW_BLOCK * c];
            xw = new float[c * p];
            states = new float[HEADS_PER_ITEM * p * n];
        }

        static Scratch take(int c, int p, int n) {
            Scratch sc = CACHE.get();
            if (sc == null || sc.busy || sc.c != c || sc.p != p || sc.n != n) {
                Scratch fresh = new Scratch(c, p, n);
                if (sc == null || !sc.busy) CACHE.set(fresh);
                sc = fresh;
            }
            sc.busy = true;
            return sc;
        }
    }

    /**
     * Rows of a chunk per block of the masked products {@code C Bᵀ} and {@code M X}: a block of rows [i0, i1) only
     * needs columns (tokens) below i1, so the blocks above the diagonal are never computed.
     */
    static final int ROW_BLOCK = 16;

    /**
     * Flops of {@link #chunkScanCombined}'s products for one sequence of {@code t} tokens, as they run: per chunk of
     * {@code lc} tokens and block of heads, C Bᵀ on the row blocks' lower columns ({@code 2N Σ rows·i1}), then per
     * head C S₀ᵀ ({@code 2 lc PN}), the masked M X ({@code 2P Σ rows·i1}) and the state update ({@code 2 lc PN}).
     */
    public static double chunkFlops(int t, int h, int p, int g, int n, int chunkSize) {
        int blocks = g * ((h / g + HEADS_PER_ITEM - 1) / HEADS_PER_ITEM);
        double f = 0;
        for (int c0 = 0; c0 < t; c0 += chunkSize) {
            int lc = Math.min(chunkSize, t - c0);
            double tri = 0;
            for (int i0 = 0; i0 < lc; i0 += ROW_BLOCK) {
                int i1 = Math.min(i0 + ROW_BLOCK, lc);
                tri += (double) (i1 - i0) * i1;
            }
            f += blocks * 2.0 * n * tri + h * (4.0 * lc * p * n + 2.0 * p * tri);
        }
        return f;
    }

    /**
     * One (sequence, group, block of heads) walked chunk by chunk, on a thread's {@link Scratch}. Each head's state is
     * kept transposed, {@code Sᵀ [N, P]}, so every product is an unpacked {@link ChunkMatmul} with a row-major left
     * operand read in place and a right operand small enough to stay in L1 over the whole product:
     * {@code C Bᵀ = C · Bᵀ} (Bᵀ of the chunk transposed once, shared by the group's heads and their state updates),
     * then per head {@code Y_off = C · Sᵀ}, {@code Y += M · X} (X read in place) and {@code Sᵀ += Bᵀ · (X ∘ w)}.
     */
    private static final class Item {
        final ChunkMatmul mm = ChunkMatmul.get();
        final float[] xa, dtAll, ba, ca, ya, aa;
        final int yOff, t, h, p, g, n, cs;
        final float[] dtp, cum, ex, bt, cb, m, xw;

        Item(Scratch sc, float[] xa, float[] dtAll, float[] ba, float[] ca, float[] ya, int yOff, int t, int h, int p, int g, int n,
             int cs, float[] aa) {
            this.xa = xa; this.dtAll = dtAll; this.ba = ba; this.ca = ca; this.ya = ya; this.yOff = yOff;
            this.t = t; this.h = h; this.p = p; this.g = g; this.n = n; this.cs = cs;
            this.aa = aa;
            dtp = sc.dtp;
            cum = sc.cum;
            ex = sc.ex;
            bt = sc.bt;
            cb = sc.cb;
            m = sc.m;
            xw = sc.xw;
        }

        /** Walks the chunks of tokens [t0, t1); {@code st} holds the heads' {@code Sᵀ [N, P]}, updated in place. */
        void run(int bi, int gg, int h0, int h1, int t0, int t1, float[] st) {
            VectorOps ops = VectorizationProvider.ops();
            int ldx = h * p, ldb = g * n;
            for (int c0 = t0; c0 < t1; c0 += cs) {
                int lc = Math.min(cs, t1 - c0);
                int bo = ((bi * t + c0) * g + gg) * n, x0 = ((bi * t + c0) * h + h0) * p;
                // Bᵀ [N, lc] of the chunk
                for (int j = 0; j < lc; j++) {
                    for (int k = 0, src = bo + j * ldb; k < n; k++) bt[k * lc + j] = ba[src + k];
                }
                // C Bᵀ [lc, lc], shared by the heads: row block [i0, i1) only on columns below i1
                for (int i0 = 0; i0 < lc; i0 += ROW_BLOCK) {
                    int i1 = Math.min(i0 + ROW_BLOCK, lc);
                    mm.mul(i1 - i0, i1, n, 1f, ca, bo + i0 * ldb, ldb, 1, bt, 0, lc, cb, i0 * lc, lc, false);
                }
                for (int hh = h0; hh < h1; hh++) {
                    int so = (hh - h0) * p * n, xo = x0 + (hh - h0) * p, yr = yOff + xo;   // x's rows, y's rows
                    float a = aa[hh], run = 0f;
                    for (int i = 0; i < lc; i++) {
                        float d = dtAll[(bi * t + c0 + i) * h + hh];
                        dtp[i] = d;
                        run += d * a;
                        cum[i] = run;
                    }
                    // Y_off = C S0ᵀ, rows scaled by exp(cum): the decay since the chunk start
                    mm.mul(lc, p, n, 1f, ca, bo, ldb, 1, st, so, p, ya, yr, ldx, false);
                    ops.exp(cum, 0, ex, 0, lc);
                    for (int i = 0; i < lc; i++) ops.scale(ex[i], ya, yr + i * ldx, p);
                    // per row block: M = C Bᵀ ∘ L ∘ dt' on columns below i1 (exponents <= 0; -inf above the diagonal,
                    // one exp per block), then Y += M X with X read in place
                    for (int i0 = 0; i0 < lc; i0 += ROW_BLOCK) {
                        int i1 = Math.min(i0 + ROW_BLOCK, lc);
                        for (int i = i0; i < i1; i++) {
                            int r = (i - i0) * i1;
                            float ci = cum[i];
                            for (int j = 0; j <= i; j++) m[r + j] = ci - cum[j];
                            for (int j = i + 1; j < i1; j++) m[r + j] = Float.NEGATIVE_INFINITY;
                        }
                        ops.exp(m, 0, m, 0, (i1 - i0) * i1);
                        for (int i = i0; i < i1; i++) {
                            int r = (i - i0) * i1, cr = i * lc;
                            for (int j = 0; j <= i; j++) m[r + j] *= cb[cr + j] * dtp[j];
                            for (int j = i + 1; j < i1; j++) m[r + j] = 0f;   // no 0 · inf from C Bᵀ above the diagonal
                        }
                        mm.mul(i1 - i0, p, i1, 1f, m, 0, i1, 1, xa, xo, ldx, ya, yr + i0 * ldx, ldx, true);
                    }
                    // state update: Sᵀ = exp(cum_last) Sᵀ + Bᵀ (X ∘ exp(cum_last - cum) dt')
                    float last = cum[lc - 1];
                    for (int j = 0; j < lc; j++) ex[j] = last - cum[j];
                    ops.exp(ex, 0, ex, 0, lc);
                    for (int j = 0; j < lc; j++) {
                        float f = ex[j] * dtp[j];
                        for (int q = 0, src = xo + j * ldx, dst = j * p; q < p; q++) xw[dst + q] = xa[src + q] * f;
                    }
                    ops.scale((float) Math.exp(last), st, so, p * n);
                    mm.mul(n, p, lc, 1f, bt, 0, lc, 1, xw, 0, p, st, so, p, true);
                }
            }
        }
    }
}
