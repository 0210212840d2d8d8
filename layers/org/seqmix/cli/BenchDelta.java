package org.seqmix.cli;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.deltarule.DeltaRule;
import org.seqmix.kernels.deltarule.DeltaRuleStep;

/**
 * delta_rule, gated_delta_rule, kda, gdn2: q, k {@code [B,T,H,K]} raw (l2-normalised in the kernel, as the layers
 * and ggml's GATED_DELTA_NET graph do), v {@code [B,T,HV,V]}. {@code forward} is the chunk form (what the layers
 * run). Flops per value-head token: recurrent and step {@code 7KV} ({@code 6KV} for delta_rule: no decay pass),
 * chunk {@code 6KV + 4CK + 2C(K+V) + 2CV + C²/3} (docs/gated_deltanet.md); the l2 norms are not counted.
 */
final class BenchDelta {
    static final Set<String> OPS = Set.of("delta_rule", "gated_delta_rule", "kda", "gdn2");

    private BenchDelta() {}

    static BenchCase build(BenchOptions o) {
        Map<String, Object> f = BenchOps.resolve(o, Set.of("forward", "chunk", "recurrent", "step"),
                "B", 1, "T", 1024, "H", 8, "HV", o.get("H", 8), "K", 128, "V", 128, "chunk", DeltaRule.DEFAULT_CHUNK);
        int b = BenchOps.size(f, "B"), t = BenchOps.size(f, "T"), h = BenchOps.size(f, "H"), hv = BenchOps.size(f, "HV");
        int k = BenchOps.size(f, "K"), v = BenchOps.size(f, "V"), c = BenchOps.size(f, "chunk");
        BenchOps.divisible("HV", hv, "H", h);
        if (!o.form.equals("chunk") && !o.form.equals("forward")) f.remove("chunk"); // no chunks in these forms
        BenchOps.checkElements("T", b, t, hv, Math.max(k, v));
        BenchOps.checkElements("K", b, hv, k, v);
        String op = o.op;
        boolean channel = op.equals("kda") || op.equals("gdn2");
        BenchInputs in = new BenchInputs(BenchOps.SEED);
        double perToken = (op.equals("delta_rule") ? 6.0 : 7.0) * k * v;
        if (o.form.equals("step")) {
            Tensor q = in.normal(b, h, k), kk = in.normal(b, h, k), vv = in.normal(b, hv, v);
            Tensor g = op.equals("delta_rule") ? null : channel ? in.channelLogDecay(b, hv, k) : in.scalarLogDecay(b, hv);
            Tensor beta = in.uniform(0f, 1f, b, hv), eb = in.uniform(0f, 1f, b, hv, k), w = in.uniform(0f, 1f, b, hv, v);
            Tensor state = in.normal(0.1f, b, hv, k, v), out = Tensor.zeros(b, hv, v);
            DeltaRuleStep step = new DeltaRuleStep(b, h, hv, k, v, null, true);
            Runnable call = switch (op) {
                case "kda" -> () -> step.kda(q, kk, vv, g, beta, state, out);
                case "gdn2" -> () -> step.gdn2(q, kk, vv, g, eb, w, state, out);
                default -> () -> step.gatedDeltaRule(q, kk, vv, g, beta, state, out);
            };
            return new BenchCase(call, perToken * b * hv, "step", f);
        }
        Tensor q = in.normal(b, t, h, k), kk = in.normal(b, t, h, k), vv = in.normal(b, t, hv, v);
        Tensor g = op.equals("delta_rule") ? null : channel ? in.channelLogDecay(b, t, hv, k) : in.scalarLogDecay(b, t, hv);
        Tensor beta = in.uniform(0f, 1f, b, t, hv);
        Tensor eb = op.equals("gdn2") ? in.uniform(0f, 1f, b, t, hv, k) : null, w = op.equals("gdn2") ? in.uniform(0f, 1f, b, t, hv, v) : null;
        double tokens = (double) b * t * hv;
        if (o.inplace) {
            // the in-place entry: o and the state are the caller's; the state carries over from call to call (the
            // decays and unit-norm keys keep it bounded)
            Tensor state = in.normal(0.1f, b, hv, k, v), out = Tensor.zeros(b, t, hv, v);
            Runnable call = switch (op) {
                case "kda" -> () -> DeltaRule.recurrentKdaInPlace(q, kk, vv, g, beta, null, state, out, null, true);
                case "gdn2" -> () -> DeltaRule.recurrentGdn2InPlace(q, kk, vv, g, eb, w, null, state, out, null, true);
                default -> () -> DeltaRule.recurrentGatedDeltaRuleInPlace(q, kk, vv, g, beta, null, state, out, null, true);
            };
            return new BenchCase(call, perToken * tokens, "recurrent_inplace", f);
        }
        // forward: DeltaRule.gatedDeltaRule/kda/gdn2 run the recurrent form on this CPU (measured)
        if (o.form.equals("recurrent") || o.form.equals("forward")) {
            Runnable call = switch (op) {
                case "kda" -> () -> DeltaRule.recurrentKda(q, kk, vv, g, beta, null, null, true, null, true);
                case "gdn2" -> () -> DeltaRule.recurrentGdn2(q, kk, vv, g, eb, w, null, null, true, null, true);
                default -> () -> DeltaRule.recurrentGatedDeltaRule(q, kk, vv, g, beta, null, null, true, null, true);
            };
            return new BenchCase(call, perToken * tokens, "recurrent", f);
        }
        Runnable call = switch (op) {
            case "kda" -> () -> DeltaRule.chunkKda(q, kk, vv, g, beta, null, null, true, null, true, c);
            case "gdn2" -> () -> DeltaRule.chunkGdn2(q, kk, vv, g, eb, w, null, null, true, null, true, c);
            default -> () -> DeltaRule.chunkGatedDeltaRule(q, kk, vv, g, beta, null, null, true, null, true, c);
        };
        int ce = Math.min(c, t);
        double chunkPerToken = 6.0 * k * v + 4.0 * ce * k + 2.0 * ce * (k + v) + 2.0 * ce * v + ce * (double) ce / 3;
        return new BenchCase(call, chunkPerToken * tokens, "chunk", f);
    }
}
