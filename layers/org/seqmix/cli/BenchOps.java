package org.seqmix.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Gemm;
import org.seqmix.kernels.conv.CausalConv1d;

/** The ops {@code seqmix bench} knows, their option checks, and the two single-kernel ops (gemm, causal_conv1d). */
final class BenchOps {
    static final List<String> OPS = List.of("gated_delta_rule", "kda", "gdn2", "delta_rule", "simple_gla", "gla",
            "lightning_attn", "linear_attn", "mamba2", "selective_scan", "causal_conv1d", "attention",
            "block_sparse_attention", "gemm");
    static final long SEED = 20261123L;
    /** Largest tensor the float[] storage can hold. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

    private BenchOps() {}

    static BenchCase build(BenchOptions o) {
        if (!OPS.contains(o.op)) throw new BenchException("OP: unknown op '" + o.op + "', expected one of " + String.join(", ", OPS));
        return switch (o.op) {
            case "delta_rule", "gated_delta_rule", "kda", "gdn2" -> BenchDelta.build(o);
            case "linear_attn", "simple_gla", "lightning_attn", "gla" -> BenchLinear.build(o);
            case "mamba2", "selective_scan" -> BenchMamba.build(o);
            case "attention", "block_sparse_attention" -> BenchAttention.build(o);
            case "causal_conv1d" -> conv(o);
            case "gemm" -> gemm(o);
            default -> throw new IllegalStateException(o.op);
        };
    }

    /**
     * Rejects a form or option the op cannot take; {@code sizes} are the op's size options with their defaults
     * (name, value pairs). Returns the resolved sizes, in that order.
     */
    static Map<String, Object> resolve(BenchOptions o, Set<String> forms, Object... sizes) {
        if (!forms.contains(o.form)) {
            throw BenchException.option("form", o.op + " has no form '" + o.form + "', expected one of " + String.join("|", sorted(forms)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < sizes.length; i += 2) {
            String name = (String) sizes[i];
            out.put(name, o.get(name, (Integer) sizes[i + 1]));
        }
        if (o.density != null && !o.op.equals("block_sparse_attention")) throw BenchException.option("density", "not a parameter of " + o.op);
        if (o.kv != null && !o.op.equals("attention")) throw BenchException.option("kv", "not a parameter of " + o.op);
        // the linear ops' forward may pick the chunk form, which has no in-place entry
        boolean inplaceForm = BenchDelta.OPS.contains(o.op) ? o.form.equals("recurrent") || o.form.equals("forward")
                : o.op.equals("mamba2") ? !o.form.equals("step") : BenchLinear.OPS.contains(o.op) && o.form.equals("recurrent");
        if (o.inplace && !inplaceForm) {
            throw BenchException.option("inplace", "only the delta-rule ops' recurrent / forward form, mamba2's forward / recurrent / chunk"
                    + " form and the linear ops' recurrent form have an in-place entry, got " + o.op + " --form " + o.form);
        }
        for (String given : o.givenSizes()) {
            if (!out.containsKey(given)) throw BenchException.option(given, "not a parameter of " + o.op + " (takes " + options(out) + ")");
        }
        return out;
    }

    static String options(Map<String, Object> sizes) {
        StringBuilder b = new StringBuilder();
        for (String k : sizes.keySet()) b.append(b.isEmpty() ? "" : " ").append("--").append(k);
        return b.toString();
    }

    static int size(Map<String, Object> f, String name) {
        return (Integer) f.get(name);
    }

    /** Rejects a tensor too large for one float[] (naming the first option of the shape). */
    static void checkElements(String option, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
            if (n > MAX_ELEMENTS) {
                throw BenchException.option(option, "shape " + Arrays.toString(dims) + " has more than " + MAX_ELEMENTS + " elements");
            }
        }
    }

    /** Requires {@code a % b == 0}, naming option a. */
    static void divisible(String a, int av, String b, int bv) {
        if (av % bv != 0) throw BenchException.option(a, "expected a multiple of --" + b + " = " + bv + ", got " + av);
    }

    private static List<String> sorted(Set<String> forms) {
        return forms.stream().sorted().toList();
    }

    /** C[M, N] = A[M, K] · B[N, K]ᵀ (B as a torch/ggml weight [out, in]); 2MNK flops. */
    private static BenchCase gemm(BenchOptions o) {
        Map<String, Object> f = resolve(o, Set.of("forward"), "M", 2048, "N", 2048, "K", 2048);
        int m = size(f, "M"), n = size(f, "N"), k = size(f, "K");
        checkElements("M", m, k);
        checkElements("N", n, k);
        checkElements("M", m, n);
        BenchInputs in = new BenchInputs(SEED);
        float[] a = in.normal(m, k).data(), b = in.normal(n, k).data(), c = new float[m * n];
        return new BenchCase(() -> Gemm.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n),
                2.0 * m * n * k, "sgemm " + Gemm.kernelName(), f);
    }

    /** Depthwise causal conv + SiLU: 2·W·D flops per token. */
    private static BenchCase conv(BenchOptions o) {
        Map<String, Object> f = resolve(o, Set.of("forward", "step"), "B", 1, "T", 1024, "D", 2048, "W", 4);
        int b = size(f, "B"), t = size(f, "T"), d = size(f, "D"), w = size(f, "W");
        checkElements("T", b, t, d);
        BenchInputs in = new BenchInputs(SEED);
        Tensor weight = in.normal((float) (1 / Math.sqrt(w)), d, w), bias = in.normal(0.1f, d);
        if (o.form.equals("step")) {
            Tensor x = in.normal(b, d), y = Tensor.zeros(b, d), state = in.normal(b, d, w - 1);
            return new BenchCase(() -> CausalConv1d.step(x, weight, bias, true, state, y), 2.0 * w * d * b, "step", f);
        }
        Tensor x = in.normal(b, t, d);
        Tensor fin = Tensor.zeros(b, d, w - 1);
        return new BenchCase(() -> CausalConv1d.forward(x, weight, bias, true, null, fin), 2.0 * w * d * b * t, "forward", f);
    }
}
