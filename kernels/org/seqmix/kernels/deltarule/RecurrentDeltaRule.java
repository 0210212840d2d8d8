package org.seqmix.kernels.deltarule;

import java.util.Arrays;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.CacheLines;
import org.seqmix.kernels.ThreadScratch;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;

/**
 * Token-by-token form, time-blocked: per (sequence, value head), the K-sized vectors of up to {@link #TIME_BLOCK}
 * tokens (decay, b∘k, k, scale·q) and their w∘v are prepared once, then {@link DeltaStepKernel#block} runs the
 * whole block on one L1-sized column tile of the state after another. {@link #prepare} is shared with the
 * allocation-free {@link DeltaRuleStep} (a block of one token).
 */
final class RecurrentDeltaRule {
    /** Tokens per block: the prepared vectors (4 K + V floats per token, 160 KiB at K = V = 128) stay in L2. */
    static final int TIME_BLOCK = 64;

    private RecurrentDeltaRule() {}

    /** Prepared vectors of up to {@code n} tokens: {@code [n, K]} rows of dec, bk, kk, qs and {@code [n, V]} rows of w∘v. */
    static final class Block {
        final float[] dec, bk, kk, qs, wv;
        /** The block's outputs, {@code [n, V]}: written here and copied out, as o's rows for consecutive tokens are
         *  HV*V floats apart (16 KiB at 32 heads of 128) and would all land on the same few L1 sets as the tile. */
        final float[] out;
        /** Per token: whether it decays the state directly (see {@link #prepare}). */
        final boolean[] decayed;
        /** The log decay G accumulated since the last direct decay ([0] for a scalar gate, [K] per channel), in
         *  double: summed in float, G's rounding error (half an ulp of |G|, 1e-6 near 20) would add up token by token. */
        final double[] logDecay;
        /** exp(-G) per channel, and exp(G) (the kernel's {@code fin} after the last token). */
        final float[] negLogDecay, fin;

        final int n, kd, vd;

        Block(int n, int kd, int vd) {
            this.n = n; this.kd = kd; this.vd = vd;
            dec = new float[n * kd];
            bk = new float[n * kd];
            kk = new float[n * kd];
            qs = new float[n * kd];
            wv = new float[n * vd];
            out = new float[n * vd];
            decayed = new boolean[n];
            logDecay = new double[kd];
            negLogDecay = new float[kd];
            fin = new float[kd];
        }
    }

    /**
     * Largest log decay the scaled state of a block may accumulate before the state is decayed directly: the
     * kernel keeps {@code X = S / Γ}, so X and the k / Γ it adds stay within e^20 (5e8) of S and k: an update
     * overflows only where |k·u| passes 7e29 (unscaled, 3e38), bk·Γ and qs·Γ stay normal floats, and Γ rounded to
     * float is off by at most 1e-6 (relative), once, not per token.
     */
    static final double RESCALE_SPAN = 20;

    /**
     * Token slot {@code t} of {@code blk}: its dec (when it decays the state directly), bk, kk, qs and wv. {@code g}
     * null = no decay; with {@code channel} it is K log decays at {@code go}, else one. {@code bk == null}: scalar
     * {@code beta} (b = w = beta); else gdn2's erase gate {@code bk[bkO..+K)} and write gate {@code wv[wvO..+V)}.
     * {@code l2norm}: q and k are l2-normalised here (one scaled copy each, the norm folded into the factor).
     * <p>{@code scaled} (whole sequences): the kernel keeps the block's state scaled, {@code X = S / Γ} with
     * {@code Γ = exp(G)} the decay accumulated since the last direct decay, so a token needs no multiply pass over
     * the state: its bk and qs are multiplied by Γ and its k divided by Γ. The block's first token, and one that
     * would take G below {@code -RESCALE_SPAN} on some channel, decay the state directly by {@code exp(G + g)}
     * and restart G at 0; {@link #finish} gives the factor that turns X back into S after the block's last token.
     * Not {@code scaled} (the step form's one-token block): the token decays the state directly.
     */
    static void prepare(VectorOps ops, Block blk, int t, int kd, int vd, float[] q, int qo, float[] k, int ko, float[] v, int vo,
                        float[] g, int go, boolean channel, float beta, float[] bk, int bkO, float[] wv, int wvO, float scale,
                        boolean l2norm, boolean scaled) {
        int c = t * kd, w = t * vd;
        boolean direct = !scaled || t == 0, perChannel = false;
        float e = 1f, ie = 1f; // Γ and 1/Γ of a scalar gate; per channel they sit in fin and negLogDecay
        double[] lg = blk.logDecay;
        float[] nl = blk.negLogDecay;
        if (g == null) {
            blk.decayed[t] = !scaled;
            if (!scaled) Arrays.fill(blk.dec, c, c + kd, 1f);
        } else if (!channel) {
            double G = (direct ? 0 : lg[0]) + g[go];
            boolean d = direct || G < -RESCALE_SPAN;
            blk.decayed[t] = d;
            if (d) {
                Arrays.fill(blk.dec, c, c + kd, (float) Math.exp(G));
                lg[0] = 0;
            } else {
                lg[0] = G;
                e = (float) Math.exp(G);
                ie = (float) Math.exp(-G);
            }
        } else {
            double lowest = 0;
            for (int i = 0; i < kd; i++) {
                lg[i] = (direct ? 0 : lg[i]) + g[go + i];
                lowest = Math.min(lowest, lg[i]);
            }
            boolean d = direct || lowest < -RESCALE_SPAN;
            blk.decayed[t] = d;
            if (d) {
                roundedExp(ops, lg, 1, blk.dec, c, kd);
                Arrays.fill(lg, 0, kd, 0);
            } else {
                perChannel = true;
                roundedExp(ops, lg, 1, blk.fin, 0, kd);
                roundedExp(ops, lg, -1, nl, 0, kd);
            }
        }
        float rk = l2norm ? invNorm(ops, k, ko, kd) : 1f, rq = l2norm ? invNorm(ops, q, qo, kd) : 1f;
        ops.scale(rk * ie, k, ko, blk.kk, c, kd);
        if (bk == null) {
            ops.scale(rk * beta * e, k, ko, blk.bk, c, kd);
            ops.scale(beta, v, vo, blk.wv, w, vd);
        } else {
            ops.mul(bk, bkO, k, ko, blk.bk, c, kd);
            ops.scale(rk * e, blk.bk, c, kd);
            ops.mul(wv, wvO, v, vo, blk.wv, w, vd);
        }
        ops.scale(rq * scale * e, q, qo, blk.qs, c, kd);
        if (perChannel) {
            ops.mul(blk.bk, c, blk.fin, 0, blk.bk, c, kd);
            ops.mul(blk.qs, c, blk.fin, 0, blk.qs, c, kd);
            ops.mul(blk.kk, c, nl, 0, blk.kk, c, kd);
        }
    }

    /**
     * {@link CacheLines#touch} over the q, k and v rows of tokens [t0, t0 + n) (consecutive in memory) and value heads
     * [h0, h1). Consecutive tokens' rows are H·K floats apart, each in a new page, so the prepare met them in DRAM one
     * row at a time; touched first, a whole time block's misses are in flight together and the prepare reads from L2.
     */
    static float touch(Problem p, int bi, int t0, int n, int h0, int h1) {
        int group = p.hv / p.h, qk0 = h0 / group * p.kd, qkLen = ((h1 - 1) / group + 1) * p.kd - qk0, tok = p.token(bi, t0);
        int ldqk = p.h * p.kd, ldv = p.hv * p.vd;
        return CacheLines.touch(p.q, p.qo + tok * ldqk + qk0, n, ldqk, qkLen)
                + CacheLines.touch(p.k, p.ko + tok * ldqk + qk0, n, ldqk, qkLen)
                + CacheLines.touch(p.v, p.vo + tok * ldv + h0 * p.vd, n, ldv, (h1 - h0) * p.vd);
    }

    /** fla's l2norm factor 1 / sqrt(sum x² + 1e-6) of a K-sized row. */
    private static float invNorm(VectorOps ops, float[] x, int xo, int n) {
        return (float) (1.0 / Math.sqrt(ops.sumSquares(x, xo, n) + L2_EPS));
    }

    /** {@code out[oo + i] = exp(sign · x[i])}: x rounded to float once, then the vectorised exp. */
    private static void roundedExp(VectorOps ops, double[] x, int sign, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = (float) (sign * x[i]);
        ops.exp(out, oo, out, oo, n);
    }

    /** The kernel's {@code fin} after a block of n tokens prepared by {@link #prepare}: exp(G), or null when G = 0. */
    static float[] finish(VectorOps ops, Block blk, int n, int kd, boolean gated, boolean channel) {
        if (!gated || blk.decayed[n - 1]) return null;
        if (channel) roundedExp(ops, blk.logDecay, 1, blk.fin, 0, kd);
        else Arrays.fill(blk.fin, 0, kd, (float) Math.exp(blk.logDecay[0]));
        return blk.fin;
    }

    /** fla's l2norm epsilon: x / sqrt(sum x² + 1e-6). */
    static final float L2_EPS = 1e-6f;

    /** Value heads per parallel item, run block by block together (see {@link #run}). */
    static final int HEAD_GROUP = 4;

    /** HEAD_GROUP Blocks per thread, grown on demand: every slot a kernel reads is written by prepare (or copied in)
     *  first, so its previous contents never matter and results do not depend on which thread ran an item. */
    private static final ThreadLocal<Block[]> SCRATCH = new ThreadLocal<>();

    static Block[] scratch(int n, int kd, int vd) {
        Block[] b = SCRATCH.get();
        if (b == null || b[0].n < n || b[0].kd != kd || b[0].vd != vd) {
            b = new Block[HEAD_GROUP];
            for (int i = 0; i < b.length; i++) b[i] = new Block(n, kd, vd);
            SCRATCH.set(b);
        }
        return b;
    }

    /** Whole sequences into new tensors: o, and the final states (returned when asked for); see the method below. */
    static DeltaRuleOutput run(Problem p, boolean outputFinalState, DeltaStepKernel ker) {
        Tensor o = Tensor.zeros(p.b, p.t, p.hv, p.vd);
        Tensor fin = Tensor.zeros(p.n, p.hv, p.kd, p.vd);
        run(p, p.initialState, fin.data(), 0, o.data(), 0, ker);
        return new DeltaRuleOutput(o, outputFinalState ? fin : null);
    }

    /**
     * Whole sequences into the caller's arrays: the states {@code [N, HV, K, V]} at {@code fa[fo ..]} (each item first
     * copies its heads' rows of {@code init} there, when given; else they hold the initial states and are updated in
     * place) and o {@code [B, T, HV, V]} at {@code oa[oo ..]}, every row of which is written.
     * <p>Parallel over (sequence, group of HEAD_GROUP value heads). A group prepares a time block for all of its heads
     * token by token, then runs the kernel head by head: the heads' q/k/v rows of one token are adjacent, so the
     * prepare reads runs of HEAD_GROUP rows instead of single rows H·K floats apart (each in a new page, waited on one
     * at a time). The group's states and blocks (~1 MB) fit a 1 MiB L2 (Zen 4, Xeon), not Zen 3's 512 KiB; there,
     * groups of 2 heads (448 KiB) or 32-token blocks were no faster (session 8).
     */
    static void run(Problem p, Tensor init, float[] fa, int fo, float[] oa, int oo, DeltaStepKernel ker) {
        int kd = p.kd, vd = p.vd, hv = p.hv, group = p.hv / p.h;
        VectorOps ops = VectorizationProvider.ops();
        int maxLen = 0;
        for (int s = 0; s < p.n; s++) maxLen = Math.max(maxLen, p.seqLen(s));
        int tb = Math.min(TIME_BLOCK, Math.max(1, maxLen));
        // smaller groups when there are few heads, so every thread gets one (a head computes the same in any group)
        int gs = Math.max(1, Math.min(HEAD_GROUP, p.n * hv / Parallel.threads()));
        int groups = (hv + gs - 1) / gs;
        int pw = ker.panel();
        Parallel.forRange(p.n * groups, item -> {
            int seq = item / groups, h0 = (item % groups) * gs, h1 = Math.min(hv, h0 + gs);
            int so = fo + (seq * hv + h0) * kd * vd, bi = p.batchOf(seq), start = p.seqStart(seq), len = p.seqLen(seq);
            if (init != null) System.arraycopy(init.data(), init.offset() + (seq * hv + h0) * kd * vd, fa, so, (h1 - h0) * kd * vd);
            if (len == 0) return;
            // a whole sequence runs on the group's states in the panel layout (see DeltaStepKernel), converted once
            boolean panels = len >= DeltaStepKernel.MIN_PANEL_TOKENS;
            float[] st = panels ? PANELS.get(0, (h1 - h0) * kd * vd) : fa;
            int sto = panels ? 0 : so;
            if (panels) for (int hd = 0; hd < h1 - h0; hd++) DeltaStepKernel.toPanels(fa, so + hd * kd * vd, kd, vd, pw, st, hd * kd * vd);
            Block[] blks = scratch(tb, kd, vd);
            for (int b0 = 0; b0 < len; b0 += tb) {
                int n = Math.min(tb, len - b0);
                blks[0].out[0] = touch(p, bi, start + b0, n, h0, h1);
                for (int t = 0; t < n; t++) {
                    int tok = p.token(bi, start + b0 + t);
                    for (int head = h0; head < h1; head++) {
                        int th = tok * hv + head, qk = (tok * p.h + head / group) * kd;
                        prepare(ops, blks[head - h0], t, kd, vd, p.q, p.qo + qk, p.k, p.ko + qk, p.v, p.vo + th * vd,
                                p.g, p.g == null ? 0 : p.go + (p.channelGate ? th * kd : th), p.channelGate,
                                p.beta == null ? 0f : p.beta[p.betaO + th], p.bk, p.bkO + th * kd, p.wv, p.wvO + th * vd, p.scale,
                                p.l2normPending, true);
                    }
                }
                for (int head = h0; head < h1; head++) {
                    Block blk = blks[head - h0];
                    float[] last = finish(ops, blk, n, kd, p.g != null, p.channelGate);
                    ker.block(st, sto + (head - h0) * kd * vd, kd, vd, n, blk.dec, blk.decayed, blk.bk, blk.kk, blk.qs, blk.wv, last,
                            blk.out, 0, vd, panels);
                    for (int t = 0; t < n; t++) {
                        int th = p.token(bi, start + b0 + t) * hv + head;
                        System.arraycopy(blk.out, t * vd, oa, oo + th * vd, vd);
                    }
                }
            }
            if (panels) for (int hd = 0; hd < h1 - h0; hd++) DeltaStepKernel.fromPanels(st, hd * kd * vd, kd, vd, pw, fa, so + hd * kd * vd);
        });
    }

    /** Per thread: a group's states in the panel layout (toPanels writes them before the kernel reads them). */
    private static final ThreadScratch PANELS = new ThreadScratch(1);
}
