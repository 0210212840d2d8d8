package org.seqmix.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.conv.CausalConv1d;
import org.seqmix.kernels.mamba.Mamba2Ssd;
import org.seqmix.kernels.mamba.SelectiveScan;
import org.seqmix.kernels.mamba.SelectiveStateUpdate;
import org.seqmix.layers.Mamba;
import org.seqmix.layers.Mamba2;
import org.seqmix.layers.MixerCache;
import org.seqmix.layers.SequenceMixer;
import org.seqmix.layers.Weights;

/** Conformance runners of the Mamba family: {@code mamba2}, {@code selective_scan}, {@code causal_conv1d} and the two layers. */
public final class MambaOps implements OpFamily {
    @Override
    public Map<String, OpRunner> runners() {
        Map<String, OpRunner> m = new LinkedHashMap<>();
        m.put("mamba2", runner(List.of("chunk", "recurrent"), MambaOps::mamba2));
        m.put("selective_scan", runner(List.of("scan", "step"), MambaOps::selectiveScan));
        m.put("causal_conv1d", runner(List.of("parallel", "step"), MambaOps::causalConv1d));
        m.put("layer:Mamba2", runner(List.of("forward", "step"),
                (c, form) -> layer(Mamba2.fromWeights(Mamba2.Config.fromMap(c.config()), Weights.load(c.weightsFile())), c, form)));
        m.put("layer:Mamba", runner(List.of("forward", "step"),
                (c, form) -> layer(Mamba.fromWeights(Mamba.Config.fromMap(c.config()), Weights.load(c.weightsFile())), c, form)));
        return m;
    }

    private interface Body {
        Map<String, Tensor> run(ConformanceCase c, String form) throws Exception;
    }

    private static OpRunner runner(List<String> forms, Body body) {
        return new OpRunner() {
            @Override
            public List<String> forms() { return forms; }

            @Override
            public Map<String, Tensor> run(ConformanceCase c, String form) throws Exception { return body.run(c, form); }
        };
    }

    private static Map<String, Tensor> mamba2(ConformanceCase c, String form) throws Exception {
        Tensor x = c.input("x"), dt = c.input("dt"), a = c.input("A"), b = c.input("B"), cc = c.input("C");
        Tensor d = c.input("D"), z = c.input("z"), dtBias = c.input("dt_bias"), init = c.input("initial_state");
        int[] cu = c.inputInts("cu_seqlens");
        boolean softplus = c.param("dt_softplus", false);
        int chunk = c.paramInt("chunk_size", Mamba2Ssd.DEFAULT_CHUNK_SIZE);
        if (form.equals("chunk")) {
            Mamba2Ssd.Result r = Mamba2Ssd.chunkScanCombined(x, dt, a, b, cc, chunk, d, z, dtBias, softplus, init, true, cu);
            return Map.of("y", r.y(), "final_state", r.finalState());
        }
        // recurrent: one token at a time through the step API, one sequence at a time when packed
        int bs = x.dim(0), t = x.dim(1), h = x.dim(2), p = x.dim(3), n = b.dim(3);
        int[] bounds = cu != null ? cu : new int[] {0, t};
        int seqs = cu != null ? cu.length - 1 : bs;
        Tensor states = Tensor.zeros(seqs, h, p, n);
        if (init != null) init.copyInto(states);
        Tensor y = Tensor.zeros(bs, t, h, p);
        Tensor yt = Tensor.zeros(1, h, p);
        for (int s = 0; s < seqs; s++) {
            int bi = cu != null ? 0 : s, t0 = cu != null ? bounds[s] : 0, t1 = cu != null ? bounds[s + 1] : t;
            Tensor state = states.slice(0, s, s + 1);
            for (int tt = t0; tt < t1; tt++) {
                SelectiveStateUpdate.update(state, token(x, bi, tt), token(dt, bi, tt), a, token(b, bi, tt), token(cc, bi, tt), d,
                        z == null ? null : token(z, bi, tt), dtBias, softplus, yt);
                yt.copyInto(token(y, bi, tt));
            }
        }
        return Map.of("y", y, "final_state", states);
    }

    /** {@code t[bi:bi+1, tt]}: one token of one sequence, batch axis kept. */
    private static Tensor token(Tensor t, int bi, int tt) {
        return t.slice(0, bi, bi + 1).select(1, tt);
    }

    private static Map<String, Tensor> selectiveScan(ConformanceCase c, String form) throws Exception {
        Tensor u = c.input("u"), delta = c.input("delta"), a = c.input("A"), b = c.input("B"), cc = c.input("C");
        Tensor d = c.input("D"), z = c.input("z"), bias = c.input("delta_bias"), init = c.input("initial_state");
        boolean softplus = c.param("delta_softplus", false);
        if (form.equals("scan")) {
            SelectiveScan.Result r = SelectiveScan.scan(u, delta, a, b, cc, d, z, bias, softplus, init, true);
            return Map.of("y", r.y(), "final_state", r.lastState());
        }
        int bs = u.dim(0), t = u.dim(1), ch = u.dim(2), n = a.dim(1);
        Tensor state = init == null ? Tensor.zeros(bs, ch, n) : init.copy();
        Tensor y = Tensor.zeros(bs, t, ch);
        Tensor yt = Tensor.zeros(bs, ch);
        for (int tt = 0; tt < t; tt++) {
            SelectiveScan.step(state, u.select(1, tt), delta.select(1, tt), a, b.select(1, tt), cc.select(1, tt), d,
                    z == null ? null : z.select(1, tt), bias, softplus, yt);
            yt.copyInto(y.select(1, tt));
        }
        return Map.of("y", y, "final_state", state);
    }

    private static Map<String, Tensor> causalConv1d(ConformanceCase c, String form) throws Exception {
        Tensor x = c.input("x"), w = c.input("weight"), bias = c.input("bias"), init = c.input("initial_state");
        String act = c.paramString("activation", "none");
        boolean silu = switch (act) {
            case "silu", "swish" -> true;
            case "none", "null", "identity" -> false;
            default -> throw new IllegalArgumentException("activation: expected silu or none, got " + act);
        };
        int[] cu = c.inputInts("cu_seqlens");
        int bs = x.dim(0), t = x.dim(1), d = x.dim(2), width = w.dim(1);
        int seqs = cu == null ? bs : cu.length - 1;
        Tensor fin = Tensor.zeros(seqs, d, width - 1);
        if (form.equals("parallel")) {
            Tensor y = CausalConv1d.forward(x, w, bias, silu, init, fin, cu);
            return Map.of("y", y, "final_state", fin);
        }
        int[] bounds = cu != null ? cu : new int[] {0, t};
        Tensor states = Tensor.zeros(seqs, d, width - 1);
        if (init != null) init.copyInto(states);
        Tensor y = Tensor.zeros(bs, t, d);
        Tensor xt = Tensor.zeros(1, d), yt = Tensor.zeros(1, d);
        Tensor wc = w.contiguous();
        for (int s = 0; s < seqs; s++) {
            int bi = cu != null ? 0 : s, t0 = cu != null ? bounds[s] : 0, t1 = cu != null ? bounds[s + 1] : t;
            Tensor state = states.slice(0, s, s + 1);
            for (int tt = t0; tt < t1; tt++) {
                token(x, bi, tt).copyInto(xt);
                CausalConv1d.step(xt, wc, bias, silu, state, yt);
                yt.copyInto(token(y, bi, tt));
            }
        }
        return Map.of("y", y, "final_state", states);
    }

    private static Map<String, Tensor> layer(SequenceMixer layer, ConformanceCase c, String form) throws Exception {
        Tensor x = c.input("x");
        if (form.equals("forward")) return Map.of("y", layer.forward(x, null));
        int bs = x.dim(0), t = x.dim(1), hidden = x.dim(2);
        MixerCache cache = layer.newCache(bs);
        Tensor y = Tensor.zeros(bs, t, hidden);
        Tensor xt = Tensor.zeros(bs, hidden), yt = Tensor.zeros(bs, hidden);
        for (int tt = 0; tt < t; tt++) {
            x.select(1, tt).copyInto(xt);
            layer.step(xt, cache, yt);
            yt.copyInto(y.select(1, tt));
        }
        return Map.of("y", y);
    }
}
