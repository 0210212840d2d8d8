package org.seqmix.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.deltarule.DeltaRule;
import org.seqmix.kernels.deltarule.DeltaRuleOutput;
import org.seqmix.kernels.deltarule.DeltaRuleStep;
import org.seqmix.layers.GatedDeltaNet;
import org.seqmix.layers.GatedDeltaNet2;
import org.seqmix.layers.KimiDeltaAttention;
import org.seqmix.layers.MixerCache;
import org.seqmix.layers.SequenceMixer;
import org.seqmix.layers.Weights;

/**
 * Conformance runners of the delta-rule family: ops {@code delta_rule}, {@code gated_delta_rule}, {@code kda},
 * {@code gdn2} (forms {@code chunk} and {@code recurrent}, the latter through {@link DeltaRuleStep} one token at
 * a time carrying the state, reset per sequence for cu_seqlens) and the layers GatedDeltaNet,
 * KimiDeltaAttention and GatedDeltaNet2 (forms {@code forward} and {@code step}).
 */
public final class DeltaRuleOps implements OpFamily {
    private enum Kind { DELTA, GATED, KDA, GDN2 }

    @Override
    public Map<String, OpRunner> runners() {
        Map<String, OpRunner> m = new LinkedHashMap<>();
        m.put("delta_rule", new KernelRunner(Kind.DELTA));
        m.put("gated_delta_rule", new KernelRunner(Kind.GATED));
        m.put("kda", new KernelRunner(Kind.KDA));
        m.put("gdn2", new KernelRunner(Kind.GDN2));
        m.put("layer:GatedDeltaNet", new LayerRunner(LayerRunner.Which.GDN));
        m.put("layer:KimiDeltaAttention", new LayerRunner(LayerRunner.Which.KDA));
        m.put("layer:GatedDeltaNet2", new LayerRunner(LayerRunner.Which.GDN2));
        return m;
    }

    private record KernelRunner(Kind kind) implements OpRunner {
        @Override
        public List<String> forms() {
            return List.of("chunk", "recurrent");
        }

        @Override
        public Map<String, Tensor> run(ConformanceCase c, String form) throws Exception {
            Tensor q = c.input("q"), k = c.input("k"), v = c.input("v"), g = c.input("g"), beta = c.input("beta");
            Tensor b = c.input("b"), w = c.input("w"), h0 = c.input("initial_state");
            int[] cu = c.inputInts("cu_seqlens");
            Float scale = c.params().get("scale") == null ? null : (float) c.param("scale", 0);
            boolean l2 = c.param("use_qk_l2norm_in_kernel", false);
            DeltaRuleOutput out;
            if (form.equals("chunk")) {
                int cs = c.paramInt("chunk_size", DeltaRule.DEFAULT_CHUNK);
                out = switch (kind) {
                    case DELTA -> DeltaRule.chunkGatedDeltaRule(q, k, v, null, beta, scale, h0, true, cu, l2, cs);
                    case GATED -> DeltaRule.chunkGatedDeltaRule(q, k, v, g, beta, scale, h0, true, cu, l2, cs);
                    case KDA -> DeltaRule.chunkKda(q, k, v, g, beta, scale, h0, true, cu, l2, cs);
                    case GDN2 -> DeltaRule.chunkGdn2(q, k, v, g, b, w, scale, h0, true, cu, l2, cs);
                };
                return Map.of("o", out.o(), "final_state", out.finalState());
            }
            return stepwise(q, k, v, kind == Kind.DELTA ? null : g, beta, b, w, scale, h0, cu, l2);
        }

        /** Feeds the step API one token at a time; per sequence for cu_seqlens. */
        private Map<String, Tensor> stepwise(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor b, Tensor w,
                                             Float scale, Tensor h0, int[] cu, boolean l2) {
            int bsz = q.dim(0), t = q.dim(1), h = q.dim(2), kd = q.dim(3), hv = v.dim(2), vd = v.dim(3);
            Tensor o = Tensor.zeros(bsz, t, hv, vd);
            int n = cu == null ? 1 : cu.length - 1;
            int rows = cu == null ? bsz : 1;
            Tensor fin = Tensor.zeros(cu == null ? bsz : n, hv, kd, vd);
            for (int s = 0; s < n; s++) {
                Tensor state = cu == null ? fin : fin.slice(0, s, s + 1);
                if (h0 != null) (cu == null ? h0 : h0.slice(0, s, s + 1)).copyInto(state);
                int t0 = cu == null ? 0 : cu[s], t1 = cu == null ? t : cu[s + 1];
                DeltaRuleStep step = new DeltaRuleStep(rows, h, hv, kd, vd, scale, l2);
                Tensor ot = Tensor.zeros(rows, hv, vd);
                for (int tt = t0; tt < t1; tt++) {
                    Tensor qt = tok(q, tt), kt = tok(k, tt), vt = tok(v, tt);
                    switch (kind) {
                        case DELTA, GATED -> step.gatedDeltaRule(qt, kt, vt, g == null ? null : tok(g, tt), tok(beta, tt), state, ot);
                        case KDA -> step.kda(qt, kt, vt, tok(g, tt), tok(beta, tt), state, ot);
                        case GDN2 -> step.gdn2(qt, kt, vt, tok(g, tt), tok(b, tt), tok(w, tt), state, ot);
                    }
                    ot.copyInto(o.select(1, tt));
                }
            }
            return Map.of("o", o, "final_state", fin);
        }

        private static Tensor tok(Tensor x, int t) {
            return x.select(1, t).contiguous();
        }
    }

    private record LayerRunner(Which which) implements OpRunner {
        enum Which { GDN, KDA, GDN2 }

        @Override
        public List<String> forms() {
            return List.of("forward", "step");
        }

        @Override
        public Map<String, Tensor> run(ConformanceCase c, String form) throws Exception {
            Weights w = Weights.load(c.weightsFile());
            SequenceMixer layer = switch (which) {
                case GDN -> GatedDeltaNet.fromWeights(GatedDeltaNet.Config.fromMap(c.config()), w);
                case KDA -> KimiDeltaAttention.fromWeights(KimiDeltaAttention.Config.fromMap(c.config()), w);
                case GDN2 -> GatedDeltaNet2.fromWeights(GatedDeltaNet2.Config.fromMap(c.config()), w);
            };
            Tensor x = c.input("x");
            if (form.equals("forward")) return Map.of("y", layer.forward(x, null));
            int b = x.dim(0), t = x.dim(1), d = x.dim(2);
            MixerCache cache = layer.newCache(b);
            Tensor y = Tensor.zeros(b, t, d), yt = Tensor.zeros(b, d);
            for (int tt = 0; tt < t; tt++) {
                layer.step(x.select(1, tt).contiguous(), cache, yt);
                yt.copyInto(y.select(1, tt));
            }
            return Map.of("y", y);
        }
    }
}
