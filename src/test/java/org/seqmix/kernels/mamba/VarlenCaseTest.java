package org.seqmix.kernels.mamba;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seqmix.conformance.Conformance;
import org.seqmix.core.Json;
import org.seqmix.core.Npy;
import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.conv.CausalConv1dTest;

/** Packed (cu_seqlens) cases written to disk and run through the conformance runner in both forms of each op. */
class VarlenCaseTest {
    static final int[] CU = {0, 7, 7, 30, 41};

    static void writeCase(Path dir, String op, Map<String, Object> params, Map<String, Tensor> inputs, Map<String, Tensor> outputs) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("op", op);
        json.put("params", params);
        json.put("tolerance_rel_l2", 1e-4);
        Map<String, Object> in = new LinkedHashMap<>(), out = new LinkedHashMap<>();
        for (var e : inputs.entrySet()) in.put(e.getKey(), entry(dir, e.getKey(), e.getValue()));
        in.put("cu_seqlens", Map.of("file", "cu_seqlens.npy", "shape", List.of(CU.length), "dtype", "int32"));
        Npy.writeInts(dir.resolve("cu_seqlens.npy"), CU, CU.length);
        for (var e : outputs.entrySet()) out.put(e.getKey(), entry(dir, "out_" + e.getKey(), e.getValue()));
        json.put("inputs", in);
        json.put("outputs", out);
        Files.writeString(dir.resolve("case.json"), Json.write(json));
    }

    static Map<String, Object> entry(Path dir, String name, Tensor t) throws IOException {
        Npy.write(dir.resolve(name + ".npy"), t);
        return Map.of("file", name + ".npy", "shape", java.util.Arrays.stream(t.shape()).boxed().toList(), "dtype", "float32");
    }

    static void assertAllPass(Path dir, int expectedResults) {
        List<Conformance.Result> results = new Conformance().run(dir);
        StringBuilder bad = new StringBuilder();
        for (Conformance.Result r : results) if (r.status() != Conformance.Status.PASS) bad.append(Conformance.format(r)).append('\n');
        assertEquals("", bad.toString());
        assertEquals(expectedResults, results.size());
    }

    @Test
    void mamba2PackedCasePassesInBothForms(@TempDir Path tmp) throws IOException {
        int t = CU[CU.length - 1], seqs = CU.length - 1, h = 4, p = 8, g = 2, n = 8;
        Mamba2SsdTest.Inputs in = Mamba2SsdTest.Inputs.random(3, 1, t, h, p, g, n, false, true);
        Tensor init = new Rng(4).normal(0.5f, seqs, h, p, n);
        Tensor y = Tensor.zeros(1, t, h, p), fin = init.copy();
        for (int s = 0; s < seqs; s++) {
            int t0 = CU[s], t1 = CU[s + 1];
            if (t0 == t1) continue;
            Mamba2SsdTest.Inputs one = new Mamba2SsdTest.Inputs(in.x().slice(1, t0, t1), in.dt().slice(1, t0, t1), in.a(), in.b().slice(1, t0, t1),
                    in.c().slice(1, t0, t1), in.d(), in.z().slice(1, t0, t1), in.dtBias(), init.slice(0, s, s + 1).copy());
            Tensor[] ref = Mamba2SsdTest.reference(one, true);
            ref[0].copyInto(y.slice(1, t0, t1));
            ref[1].copyInto(fin.slice(0, s, s + 1));
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("x", in.x());
        inputs.put("dt", in.dt());
        inputs.put("A", in.a());
        inputs.put("B", in.b());
        inputs.put("C", in.c());
        inputs.put("D", in.d());
        inputs.put("z", in.z());
        inputs.put("dt_bias", in.dtBias());
        inputs.put("initial_state", init);
        writeCase(tmp.resolve("mamba2_varlen"), "mamba2", Map.of("dt_softplus", true, "chunk_size", 8), inputs, Map.of("y", y, "final_state", fin));
        assertAllPass(tmp.resolve("mamba2_varlen"), 4);
    }

    @Test
    void causalConvPackedCasePassesInBothForms(@TempDir Path tmp) throws IOException {
        int t = CU[CU.length - 1], seqs = CU.length - 1, d = 12, w = 4;
        Rng r = new Rng(5);
        Tensor x = r.normal(1f, 1, t, d), weight = r.normal(1f, d, w), bias = r.normal(1f, d), init = r.normal(1f, seqs, d, w - 1);
        Tensor y = Tensor.zeros(1, t, d), fin = Tensor.zeros(seqs, d, w - 1);
        for (int s = 0; s < seqs; s++) {
            int t0 = CU[s], t1 = CU[s + 1];
            Tensor initS = init.slice(0, s, s + 1);
            CausalConv1dTest.reference(x.slice(1, t0, t1), weight, bias, true, initS).copyInto(y.slice(1, t0, t1));
            // the last W-1 inputs of the sequence, from its initial state where it is shorter
            for (int j = 0; j < w - 1; j++) {
                int src = t1 - t0 - (w - 1) + j;
                for (int c = 0; c < d; c++) fin.set(src >= 0 ? x.get(0, t0 + src, c) : initS.get(0, c, src + w - 1), s, c, j);
            }
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("x", x);
        inputs.put("weight", weight);
        inputs.put("bias", bias);
        inputs.put("initial_state", init);
        writeCase(tmp.resolve("conv_varlen"), "causal_conv1d", Map.of("activation", "silu"), inputs, Map.of("y", y, "final_state", fin));
        assertAllPass(tmp.resolve("conv_varlen"), 4);
    }
}
