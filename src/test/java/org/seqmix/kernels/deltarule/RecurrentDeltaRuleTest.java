package org.seqmix.kernels.deltarule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Parallel;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.VectorizationProvider;

/**
 * The column-tiled, time-blocked recurrent form against a token-by-token reference written from the definition,
 * on odd shapes (vector tails in V, K any size, T across block boundaries, GVA, varlen, all gate kinds); the
 * Panama block kernel bit for bit against its plain twin; 1 vs 2 threads bit for bit.
 */
class RecurrentDeltaRuleTest {
    /** Per token and value head: S = diag(exp g) S; u = w∘v - Sᵀ(b∘k); S += k uᵀ; o = Sᵀ(scale q), in double. */
    static DeltaRuleOutput reference(DeltaRuleInputs in, boolean kind2, boolean channel, boolean decay, int[] cu, float scale) {
        int b = in.q.dim(0), t = in.q.dim(1), h = in.q.dim(2), kd = in.q.dim(3), hv = in.v.dim(2), vd = in.v.dim(3);
        int n = cu == null ? b : cu.length - 1;
        Tensor o = Tensor.zeros(b, t, hv, vd), fin = Tensor.zeros(n, hv, kd, vd);
        for (int s = 0; s < n; s++) {
            int bi = cu == null ? s : 0, start = cu == null ? 0 : cu[s], end = cu == null ? t : cu[s + 1];
            for (int head = 0; head < hv; head++) {
                int qh = head / (hv / h);
                double[] st = new double[kd * vd];
                for (int i = 0; i < kd * vd; i++) st[i] = in.h0.get(s, head, i / vd, i % vd);
                for (int p = start; p < end; p++) {
                    for (int i = 0; i < kd; i++) {
                        double d = !decay ? 1 : Math.exp(channel ? in.gChannel.get(bi, p, head, i) : in.gHead.get(bi, p, head));
                        for (int j = 0; j < vd; j++) st[i * vd + j] *= d;
                    }
                    for (int j = 0; j < vd; j++) {
                        double kv = 0;
                        for (int i = 0; i < kd; i++) {
                            double bb = kind2 ? in.bGate.get(bi, p, head, i) : in.beta.get(bi, p, head);
                            kv += bb * in.k.get(bi, p, qh, i) * st[i * vd + j];
                        }
                        double w = kind2 ? in.wGate.get(bi, p, head, j) : in.beta.get(bi, p, head);
                        double u = w * in.v.get(bi, p, head, j) - kv, acc = 0;
                        for (int i = 0; i < kd; i++) {
                            st[i * vd + j] += in.k.get(bi, p, qh, i) * u;
                            acc += scale * in.q.get(bi, p, qh, i) * st[i * vd + j];
                        }
                        o.set((float) acc, bi, p, head, j);
                    }
                }
                for (int i = 0; i < kd * vd; i++) fin.set((float) st[i], s, head, i / vd, i % vd);
            }
        }
        return new DeltaRuleOutput(o, fin);
    }

    private static DeltaRuleOutput run(DeltaRuleInputs in, int kind, int[] cu) {
        return switch (kind) {
            case 0 -> DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, cu, false);
            case 1 -> DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, null, in.beta, null, in.h0, true, cu, false);
            case 2 -> DeltaRule.recurrentKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, cu, false);
            default -> DeltaRule.recurrentGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, cu, false);
        };
    }

    private static DeltaRuleOutput reference(DeltaRuleInputs in, int kind, int[] cu) {
        float scale = (float) (1.0 / Math.sqrt(in.q.dim(3)));
        return reference(in, kind == 3, kind >= 2, kind != 1, cu, scale);
    }

    @Test
    void matchesReferenceOnOddShapes() {
        int[][] shapes = { // b, t, h, hv, kd, vd
            {1, 1, 1, 1, 1, 1}, {2, 13, 1, 2, 7, 13}, {1, 65, 2, 2, 16, 37}, {1, 130, 1, 3, 33, 130}, {2, 64, 2, 4, 12, 64},
            {1, 200, 1, 1, 128, 80}, {1, 129, 1, 2, 5, 17}, {1, 70, 2, 6, 16, 24}, {2, 40, 3, 9, 8, 12}}; // last two: head groups of 4 + a partial one
        Random r = new Random(11);
        for (int[] s : shapes) {
            DeltaRuleInputs in = new DeltaRuleInputs(r.nextLong(), s[0], s[1], s[2], s[3], s[4], s[5], s[0], -0.4f);
            for (int kind = 0; kind < 4; kind++) {
                ChunkDeltaRuleTest.close(run(in, kind, null), reference(in, kind, null), 2e-6,
                        "kind " + kind + " shape " + java.util.Arrays.toString(s));
            }
        }
    }

    /** Strong decays: the scaled state restarts mid-block (G past RESCALE_SPAN), and decays that underflow to 0. */
    @Test
    void strongDecaysMatchReference() {
        Random r = new Random(12);
        for (float gMin : new float[] {-12f, -90f, -300f}) {
            for (int[] s : new int[][] {{1, 150, 1, 2, 16, 70}, {2, 70, 1, 1, 128, 64}, {1, 9, 2, 2, 5, 17}}) {
                DeltaRuleInputs in = new DeltaRuleInputs(r.nextLong(), s[0], s[1], s[2], s[3], s[4], s[5], s[0], gMin);
                for (int kind = 0; kind < 4; kind++) {
                    ChunkDeltaRuleTest.close(run(in, kind, null), reference(in, kind, null), 2e-6,
                            "g >= " + gMin + " kind " + kind + " shape " + java.util.Arrays.toString(s));
                }
            }
        }
    }

    /**
     * A block whose accumulated log decay G sits just above -RESCALE_SPAN for 60 tokens of tiny decays: summed in
     * float at |G| near 20, each add would round by up to half an ulp (1e-6) in the same direction and the decays
     * between tokens drift by ~6e-5; G is kept in double, so only its one rounding to float remains.
     */
    @Test
    void accumulatedLogDecayDoesNotDrift() {
        DeltaRuleInputs in = new DeltaRuleInputs(13, 1, 64, 1, 1, 16, 16, 1, -0.1f);
        float[] gh = in.gHead.data(), gc = in.gChannel.data();
        float g1 = (float) (-RecurrentDeltaRule.RESCALE_SPAN + 0.5), ulp = Math.ulp(g1);
        float tiny = -(Math.round(1e-3 / ulp) + 0.49f) * ulp; // ~1e-3, 0.49 ulp past a multiple: float sums round one way
        for (int t = 0; t < 64; t++) {
            float g = t == 0 ? 0f : t == 1 ? g1 : tiny;
            gh[t] = g;
            java.util.Arrays.fill(gc, t * 16, t * 16 + 16, g);
        }
        for (int kind = 0; kind < 4; kind++) {
            ChunkDeltaRuleTest.close(run(in, kind, null), reference(in, kind, null), 2e-6, "kind " + kind);
        }
        // values of 1e24: k/Γ · u reaches e^19.5 · 1e24 = 3e32 in the scaled state, still a float
        float[] va = in.v.data();
        for (int i = 0; i < va.length; i++) va[i] *= 1e24f;
        for (int kind = 0; kind < 4; kind++) {
            ChunkDeltaRuleTest.close(run(in, kind, null), reference(in, kind, null), 2e-6, "v * 1e24, kind " + kind);
        }
    }

    @Test
    void varlenMatchesReference() {
        int[] cu = {0, 3, 3, 70, 150, 151};
        DeltaRuleInputs in = new DeltaRuleInputs(5, 1, 151, 2, 4, 9, 37, 5, -0.3f);
        for (int kind = 0; kind < 4; kind++) ChunkDeltaRuleTest.close(run(in, kind, cu), reference(in, kind, cu), 2e-6, "varlen kind " + kind);
    }

    /** Block shapes {K, V, n}: vector tails in V, short and long blocks, odd n (every token decays the state). */
    private static final int[][] BLOCKS = {{1, 5, 1}, {12, 13, 3}, {7, 37, 64}, {128, 130, 2}, {16, 128, 65}, {3, 80, 1}, {33, 130, 1},
        {128, 128, 1}, {9, 64, 8}, {128, 128, 64}, {6, 64, 10}, {128, 80, 12}, {5, 130, 2}, {16, 96, 30}, {4, 64, 7}};

    /** One block on a copy of the state (at offset 5 of a larger array), panel layout or not: [state, o]. */
    private static float[][] runBlock(DeltaStepKernel k, float[] s0, int kd, int vd, int n, float[] dec, boolean[] decayed, float[] bk,
                                      float[] kk, float[] qs, float[] wv, float[] fin, boolean panels) {
        float[] s = new float[s0.length + 9], o = new float[3 + n * (vd + 2)];
        System.arraycopy(s0, 0, s, 5, s0.length);
        k.block(s, 5, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, o, 3, vd + 2, panels);
        return new float[][] {java.util.Arrays.copyOfRange(s, 5, 5 + s0.length), o};
    }

    /**
     * Panama against its plain twin, bit for bit, one token per pass and in token pairs (both modes on any machine),
     * in the panel layout and the [K, V] layout (and, one token per pass, the two layouts against each other); and
     * the pair algebra against one token per pass (same math, other rounding).
     */
    @Test
    void panamaBlockIsBitIdenticalToPlainTwin() {
        assumeTrue(VectorizationProvider.vectorModulePresent(), "no jdk.incubator.vector");
        assertTrue(DeltaStepKernel.best() instanceof PanamaDeltaStepKernel, "Panama kernel loaded: " + DeltaStepKernel.best());
        for (boolean pairs : new boolean[] {false, true}) {
            DeltaStepKernel best = new PanamaDeltaStepKernel(pairs), plain = new OpsDeltaStepKernel(best.panel(), best.pairs());
            assertTrue(pairs == best.pairs());
            Random r = new Random(7);
            for (int[] sh : BLOCKS) {
                int kd = sh[0], vd = sh[1], n = sh[2];
                float[] s0 = fill(r, kd * vd), dec = new float[n * kd], bk = fill(r, n * kd), kk = fill(r, n * kd), qs = fill(r, n * kd);
                float[] wv = fill(r, n * vd);
                for (int i = 0; i < dec.length; i++) dec[i] = r.nextFloat();
                // every decay pattern the scaled-state caller produces: all tokens decayed, some (or none) with a final factor
                boolean[] decayed = null;
                float[] fin = null;
                if (n % 2 == 0 || n == 7) {
                    decayed = new boolean[n];
                    for (int t = 0; t < n; t++) decayed[t] = t == 0 || r.nextInt(n > 20 ? 8 : 3) == 0;
                    fin = kd % 3 == 0 ? null : fill(r, kd);
                }
                String what = (pairs ? "pairs " : "") + kd + "x" + vd + " n " + n;
                for (boolean panels : new boolean[] {true, false}) {
                    float[][] a = runBlock(best, s0, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, panels);
                    float[][] b = runBlock(plain, s0, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, panels);
                    assertArrayEquals(b[0], a[0], "state " + what + (panels ? " in panels" : ""));
                    assertArrayEquals(b[1], a[1], "o " + what + (panels ? " in panels" : ""));
                }
                if (!pairs && !(n == 1 && fin == null && DeltaStepKernel.decays(decayed, 0))) {
                    // one token per pass does the same operations per column in either layout
                    float[] p0 = new float[kd * vd], back = new float[kd * vd];
                    DeltaStepKernel.toPanels(s0, 0, kd, vd, best.panel(), p0, 0);
                    for (DeltaStepKernel k : new DeltaStepKernel[] {best, plain}) {
                        float[][] a = runBlock(k, p0, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, true);
                        float[][] b = runBlock(k, s0, kd, vd, n, dec, decayed, bk, kk, qs, wv, fin, false);
                        DeltaStepKernel.fromPanels(a[0], 0, kd, vd, best.panel(), back, 0);
                        assertArrayEquals(b[0], back, "state " + what + ": panels vs [K, V], " + k);
                        assertArrayEquals(b[1], a[1], "o " + what + ": panels vs [K, V], " + k);
                    }
                }
                if (pairs) {
                    // a stable delta rule (unit k, b = beta k with beta in (0, 1)), so both orders stay finite
                    float[] uk = kk.clone(), ub = bk.clone();
                    for (int t = 0; t < n; t++) {
                        double nn = 0;
                        for (int i = 0; i < kd; i++) nn += uk[t * kd + i] * (double) uk[t * kd + i];
                        float inv = (float) (1 / Math.sqrt(nn)), beta = r.nextFloat();
                        for (int i = 0; i < kd; i++) {
                            uk[t * kd + i] *= inv;
                            ub[t * kd + i] = beta * uk[t * kd + i];
                        }
                    }
                    float[][] a = runBlock(plain, s0, kd, vd, n, dec, decayed, ub, uk, qs, wv, fin, true);
                    float[][] b = runBlock(new OpsDeltaStepKernel(plain.panel(), false), s0, kd, vd, n, dec, decayed, ub, uk, qs, wv, fin, true);
                    for (int x = 0; x < 2; x++) {
                        double err = 0, norm = 0;
                        for (int i = 0; i < a[x].length; i++) {
                            err += (a[x][i] - b[x][i]) * (double) (a[x][i] - b[x][i]);
                            norm += b[x][i] * (double) b[x][i];
                        }
                        assertTrue(Math.sqrt(err) <= 1e-5 * Math.sqrt(norm), (x == 0 ? "state " : "o ") + what + ": pairs vs one token, rel err "
                                + Math.sqrt(err / norm));
                    }
                }
            }
        }
    }

    @Test
    void oneAndTwoThreadsAgreeBitForBit() {
        DeltaRuleInputs in = new DeltaRuleInputs(9, 2, 100, 2, 4, 24, 70, 2, -0.5f);
        int before = Parallel.threads();
        try {
            for (int kind = 0; kind < 4; kind++) {
                Parallel.setThreads(1);
                DeltaRuleOutput a = run(in, kind, null);
                Parallel.setThreads(2);
                DeltaRuleOutput b = run(in, kind, null);
                assertArrayEquals(a.o().toArray(), b.o().toArray());
                assertArrayEquals(a.finalState().toArray(), b.finalState().toArray());
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * The l2norm fused into the per-token prepare (the norm folded into the factor of one scaled copy) equals
     * normalising whole copies first, to float rounding (x·(r·f) instead of (x·r)·f).
     */
    @Test
    void fusedL2normMatchesNormalisedInputs() {
        org.seqmix.kernels.VectorOps ops = VectorizationProvider.ops();
        for (int[] s : new int[][] {{2, 70, 2, 4, 13, 37}, {1, 65, 1, 2, 128, 33}}) {
            DeltaRuleInputs in = new DeltaRuleInputs(3, s[0], s[1], s[2], s[3], s[4], s[5], s[0], -0.4f);
            float[] qn = in.q.toArray(), kn = in.k.toArray();
            for (int i = 0; i < qn.length; i += s[4]) { ops.l2Normalize(qn, i, 1e-6f, s[4]); ops.l2Normalize(kn, i, 1e-6f, s[4]); }
            Tensor q = Tensor.of(qn, in.q.shape()), k = Tensor.of(kn, in.k.shape());
            DeltaRuleOutput[][] pairs = {
                {DeltaRule.recurrentGatedDeltaRule(in.q, in.k, in.v, in.gHead, in.beta, null, in.h0, true, null, true),
                 DeltaRule.recurrentGatedDeltaRule(q, k, in.v, in.gHead, in.beta, null, in.h0, true, null, false)},
                {DeltaRule.recurrentKda(in.q, in.k, in.v, in.gChannel, in.beta, null, in.h0, true, null, true),
                 DeltaRule.recurrentKda(q, k, in.v, in.gChannel, in.beta, null, in.h0, true, null, false)},
                {DeltaRule.recurrentGdn2(in.q, in.k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, null, true),
                 DeltaRule.recurrentGdn2(q, k, in.v, in.gChannel, in.bGate, in.wGate, null, in.h0, true, null, false)}};
            for (DeltaRuleOutput[] pr : pairs) ChunkDeltaRuleTest.close(pr[0], pr[1], 1e-6, "fused l2norm " + java.util.Arrays.toString(s));
        }
    }

    private static float[] fill(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
