package org.seqmix.cli;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.linear.LinearAttn;

/**
 * linear_attn, simple_gla, lightning_attn, gla. {@code forward} is the chunk form (what the layers run for a
 * prefill). Flops per token and head: chunk {@code 4KV + 2C(K+V)} (GLA {@code 4KV + 2(C/2+8)K + 2CV + CK}: its Q Kᵀ covers
 * only the 16-wide sub-blocks up to the diagonal), recurrent and step
 * {@code 4KV} for linear_attn, {@code 5KV} with a decay (the state is scaled once per token). {@code --inplace}
 * (recurrent form) times the {@code fusedRecurrent*InPlace} entry.
 */
final class BenchLinear {
    static final Set<String> OPS = Set.of("linear_attn", "simple_gla", "lightning_attn", "gla");

    /** Lightning attention's decay for the last of 24 layers: at most ~0.3 per token, as deep layers see. */
    private static final int LAYER_IDX = 23, NUM_LAYERS = 24;

    private BenchLinear() {}

    static BenchCase build(BenchOptions o) {
        Map<String, Object> f = BenchOps.resolve(o, Set.of("forward", "chunk", "recurrent", "step"),
                "B", 1, "T", 1024, "H", 8, "K", 128, "V", 128, "chunk", LinearAttn.DEFAULT_CHUNK_SIZE);
        int b = BenchOps.size(f, "B"), t = BenchOps.size(f, "T"), h = BenchOps.size(f, "H");
        int k = BenchOps.size(f, "K"), v = BenchOps.size(f, "V"), c = BenchOps.size(f, "chunk");
        BenchOps.checkElements("T", b, t, h, Math.max(k, v));
        BenchOps.checkElements("K", b, h, k, v);
        String op = o.op;
        if (!o.form.equals("chunk") && !o.form.equals("forward")) f.remove("chunk"); // no chunks in these forms
        boolean gated = !op.equals("linear_attn"), gla = op.equals("gla");
        float scale = LinearAttn.defaultScale(k);
        BenchInputs in = new BenchInputs(BenchOps.SEED);
        if (o.form.equals("step")) {
            Tensor q = in.unitRows(b, h, k), kk = in.unitRows(b, h, k), vv = in.normal(b, h, v);
            Tensor g = gla ? in.channelLogDecay(b, h, k) : in.scalarLogDecay(b, h);
            Tensor state = in.normal(0.1f, b, h, k, v), out = Tensor.zeros(b, h, v);
            Runnable call = switch (op) {
                case "linear_attn" -> () -> LinearAttn.stepLinearAttn(q, kk, vv, scale, state, null, out);
                case "simple_gla" -> () -> LinearAttn.stepSimpleGla(q, kk, vv, g, scale, state, out);
                case "lightning_attn" -> () -> LinearAttn.stepLightningAttn(q, kk, vv, LAYER_IDX, NUM_LAYERS, scale, state, out);
                default -> () -> LinearAttn.stepGla(q, kk, vv, g, scale, state, out);
            };
            return new BenchCase(call, (gated ? 5.0 : 4.0) * k * v * b * h, "step", f);
        }
        Tensor q = in.unitRows(b, t, h, k), kk = in.unitRows(b, t, h, k), vv = in.normal(b, t, h, v);
        Tensor g = gla ? in.channelLogDecay(b, t, h, k) : in.scalarLogDecay(b, t, h);
        double tokens = (double) b * t * h;
        // forward: the form the public entry (LinearAttn.linearAttn/simpleGla/...) picks for this shape
        boolean recurrent = o.form.equals("recurrent")
                || o.form.equals("forward") && LinearAttn.form(gla, t, k, v, c) == LinearAttn.Form.RECURRENT;
        if (o.inplace) {
            // the in-place entry (BenchOps allows it for the recurrent form only): o and the state are the caller's,
            // the state carried from call to call (bounded by the decays; linear_attn's grows like a random walk)
            Tensor state = in.normal(0.1f, b, h, k, v), out = Tensor.zeros(b, t, h, v);
            Runnable call = switch (op) {
                case "linear_attn" -> () -> LinearAttn.fusedRecurrentLinearAttnInPlace(q, kk, vv, scale, state, out, false, null, null);
                case "simple_gla" -> () -> LinearAttn.fusedRecurrentSimpleGlaInPlace(q, kk, vv, g, scale, state, out, null);
                case "lightning_attn" -> () -> LinearAttn.fusedRecurrentLightningAttnInPlace(q, kk, vv, LAYER_IDX, NUM_LAYERS, scale, state, out, null);
                default -> () -> LinearAttn.fusedRecurrentGlaInPlace(q, kk, vv, g, scale, state, out, null);
            };
            return new BenchCase(call, (gated ? 5.0 : 4.0) * k * v * tokens, "recurrent_inplace", f);
        }
        if (recurrent) {
            Runnable call = switch (op) {
                case "linear_attn" -> () -> LinearAttn.fusedRecurrentLinearAttn(q, kk, vv, scale, null, true, false, null, null);
                case "simple_gla" -> () -> LinearAttn.fusedRecurrentSimpleGla(q, kk, vv, g, scale, null, true, null);
                case "lightning_attn" -> () -> LinearAttn.fusedRecurrentLightningAttn(q, kk, vv, LAYER_IDX, NUM_LAYERS, scale, null, true, null);
                default -> () -> LinearAttn.fusedRecurrentGla(q, kk, vv, g, scale, null, true, null);
            };
            return new BenchCase(call, (gated ? 5.0 : 4.0) * k * v * tokens, "recurrent", f);
        }
        Runnable call = switch (op) {
            case "linear_attn" -> () -> LinearAttn.chunkLinearAttn(q, kk, vv, scale, null, true, false, null, null, c);
            case "simple_gla" -> () -> LinearAttn.chunkSimpleGla(q, kk, vv, g, scale, null, true, null, c);
            case "lightning_attn" -> () -> LinearAttn.chunkLightningAttn(q, kk, vv, LAYER_IDX, NUM_LAYERS, scale, null, true, null, c);
            default -> () -> LinearAttn.chunkGla(q, kk, vv, g, scale, null, true, null, c);
        };
        int ce = Math.min(c, t);
        // GLA's Q K^T covers only the sub-blocks up to the diagonal: C/2 + SUB/2 key columns on average
        double qkCols = gla ? Math.min(ce, ce / 2.0 + 8) : ce;
        double perToken = 4.0 * k * v + 2.0 * qkCols * k + 2.0 * ce * v + (gla ? (double) ce * k : 0);
        return new BenchCase(call, perToken * tokens, "chunk", f);
    }
}
