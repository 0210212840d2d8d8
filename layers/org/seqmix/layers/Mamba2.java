package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.VectorOps;
import org.seqmix.kernels.VectorizationProvider;
import org.seqmix.kernels.conv.CausalConv1d;
import org.seqmix.kernels.mamba.Mamba2Ssd;
import org.seqmix.kernels.mamba.SelectiveStateUpdate;

/**
 * mamba_ssm's {@code Mamba2} block: {@code in_proj -> [z, xBC, dt]}, depthwise causal conv + SiLU over xBC,
 * {@code x, B, C = xBC}, chunked SSD with {@code A = -exp(A_log)}, {@code dt' = softplus(dt + dt_bias)} and the
 * D skip, then a gated RMSNorm over groups of {@code d_inner / ngroups} channels (or {@code silu(z)} inside the
 * scan when {@code rmsnorm = false}), then {@code out_proj}. Weights under mamba_ssm's state_dict names.
 */
public final class Mamba2 implements SequenceMixer {
    private static final float NORM_EPS = 1e-5f;

    /** mamba_ssm's Mamba2 constructor arguments (those that change the computation). */
    public record Config(int dModel, int dState, int dConv, int expand, int headdim, int ngroups, int chunkSize, boolean rmsnorm,
                         boolean normBeforeGate, boolean dHasHdim, boolean bias, boolean convBias) {
        public Config {
            Shapes.positive("d_model", dModel);
            Shapes.positive("d_state", dState);
            Shapes.positive("d_conv", dConv);
            Shapes.positive("expand", expand);
            Shapes.positive("headdim", headdim);
            Shapes.positive("ngroups", ngroups);
            Shapes.positive("chunk_size", chunkSize);
            Shapes.divisible("d_inner = expand * d_model", expand * dModel, "headdim", headdim);
            Shapes.divisible("nheads", expand * dModel / headdim, "ngroups", ngroups);
        }

        /** mamba_ssm's defaults: d_state 128, d_conv 4, expand 2, headdim 64, ngroups 1, chunk_size 256, rmsnorm, gate after norm off. */
        public static Config of(int dModel) {
            return new Config(dModel, 128, 4, 2, 64, 1, 256, true, false, false, false, true);
        }

        private static final Set<String> KNOWN = Set.of("d_model", "d_state", "d_conv", "expand", "headdim", "ngroups", "chunk_size",
                "rmsnorm", "norm_before_gate", "D_has_hdim", "bias", "conv_bias", "d_ssm", "activation", "learnable_init_states",
                "conv_init", "A_init_range", "dt_min", "dt_max", "dt_init_floor", "dt_limit", "use_mem_eff_path", "layer_idx",
                "process_group", "sequence_parallel");

        /** From a case's {@code config} (mamba_ssm names); unsupported values are rejected. */
        public static Config fromMap(Map<String, Object> m) {
            MambaConfigs.onlyKnown("Mamba2", m, KNOWN);
            MambaConfigs.siluActivation(m);
            int dModel = MambaConfigs.integer(m, "d_model", -1);
            int expand = MambaConfigs.integer(m, "expand", 2);
            if (m.get("d_ssm") != null && MambaConfigs.integer(m, "d_ssm", 0) != expand * dModel) {
                throw new IllegalArgumentException("Mamba2 config d_ssm: only d_ssm = d_inner (" + expand * dModel + ") is supported, got " + m.get("d_ssm"));
            }
            if (MambaConfigs.bool(m, "learnable_init_states", false)) {
                throw new IllegalArgumentException("Mamba2 config learnable_init_states: true is not supported");
            }
            Object limit = m.get("dt_limit");
            if (limit instanceof java.util.List<?> l && !(l.size() == 2 && ((Number) l.get(0)).doubleValue() == 0.0
                    && ((Number) l.get(1)).doubleValue() == Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("Mamba2 config dt_limit: only (0, inf) is supported, got " + limit);
            }
            return new Config(dModel, MambaConfigs.integer(m, "d_state", 128), MambaConfigs.integer(m, "d_conv", 4), expand,
                    MambaConfigs.integer(m, "headdim", 64), MambaConfigs.integer(m, "ngroups", 1), MambaConfigs.integer(m, "chunk_size", 256),
                    MambaConfigs.bool(m, "rmsnorm", true), MambaConfigs.bool(m, "norm_before_gate", false),
                    MambaConfigs.bool(m, "D_has_hdim", false), MambaConfigs.bool(m, "bias", false), MambaConfigs.bool(m, "conv_bias", true));
        }

        public int dInner() { return expand * dModel; }
        public int nheads() { return dInner() / headdim; }
        public int convDim() { return dInner() + 2 * ngroups * dState; }
        public int dInProj() { return 2 * dInner() + 2 * ngroups * dState + nheads(); }
    }

    private final Config cfg;
    private final Tensor inProjW, inProjB, convW, convB, dtBias, a, d, normW, outProjW, outProjB;

    private Mamba2(Config cfg, Tensor inProjW, Tensor inProjB, Tensor convW, Tensor convB, Tensor dtBias, Tensor aLog, Tensor d,
                   Tensor normW, Tensor outProjW, Tensor outProjB) {
        this.cfg = cfg;
        this.inProjW = inProjW;
        this.inProjB = inProjB;
        this.convW = convW.reshape(cfg.convDim(), cfg.dConv());
        this.convB = convB;
        this.dtBias = dtBias;
        this.a = MambaBlocks.negExp(aLog, cfg.nheads());
        this.d = cfg.dHasHdim() ? d.reshape(cfg.nheads(), cfg.headdim()) : d;
        this.normW = normW;
        this.outProjW = outProjW;
        this.outProjB = outProjB;
    }

    /** From mamba_ssm state_dict names ({@code in_proj.weight}, {@code conv1d.weight [conv_dim, 1, d_conv]}, {@code A_log}, ...). */
    public static Mamba2 fromWeights(Config cfg, Weights w) {
        int h = cfg.nheads(), dInner = cfg.dInner();
        return new Mamba2(cfg,
                w.get("in_proj.weight", cfg.dInProj(), cfg.dModel()),
                cfg.bias() ? w.get("in_proj.bias", cfg.dInProj()) : MambaBlocks.absent(w, "in_proj.bias", "bias"),
                w.get("conv1d.weight", cfg.convDim(), 1, cfg.dConv()),
                cfg.convBias() ? w.get("conv1d.bias", cfg.convDim()) : MambaBlocks.absent(w, "conv1d.bias", "conv_bias"),
                w.get("dt_bias", h),
                w.get("A_log", h),
                w.get("D", cfg.dHasHdim() ? dInner : h),
                cfg.rmsnorm() ? w.get("norm.weight", dInner) : null,
                w.get("out_proj.weight", cfg.dModel(), dInner),
                cfg.bias() ? w.get("out_proj.bias", cfg.dModel()) : MambaBlocks.absent(w, "out_proj.bias", "bias"));
    }

    /** Random weights with mamba_ssm's initialisation ranges (A in [1, 16], dt in [1e-3, 1e-1]). */
    public static Mamba2 random(Config cfg, long seed) {
        Rng rng = new Rng(seed);
        int h = cfg.nheads(), dInner = cfg.dInner();
        Tensor aLog = rng.uniform(1f, 16f, h);
        float[] al = aLog.data();
        for (int i = 0; i < h; i++) al[i] = (float) Math.log(al[i]);
        Tensor dtBias = MambaBlocks.randomDtBias(rng, h);
        float cb = (float) (1.0 / Math.sqrt(cfg.dConv()));
        return new Mamba2(cfg, rng.linear(cfg.dInProj(), cfg.dModel()), cfg.bias() ? rng.uniform(-0.1f, 0.1f, cfg.dInProj()) : null,
                rng.uniform(-cb, cb, cfg.convDim(), 1, cfg.dConv()), cfg.convBias() ? rng.uniform(-cb, cb, cfg.convDim()) : null,
                dtBias, aLog, Tensor.full(1f, cfg.dHasHdim() ? dInner : h), cfg.rmsnorm() ? Tensor.full(1f, dInner) : null,
                rng.linear(cfg.dModel(), dInner), cfg.bias() ? rng.uniform(-0.1f, 0.1f, cfg.dModel()) : null);
    }

    /** A typical size: d_model 1024, headdim 64, d_state 128, chunk 64. */
    public static Mamba2 demo(long seed) {
        return random(new Config(1024, 128, 4, 2, 64, 1, 64, true, false, false, false, true), seed);
    }

    public Config config() { return cfg; }

    @Override public String name() { return "Mamba2"; }
    @Override public int hiddenSize() { return cfg.dModel(); }
    @Override public Mamba2Cache newCache(int batch) { return new Mamba2Cache(cfg, Shapes.positive("batch", batch)); }

    private Mamba2Cache checkCache(MixerCache cache, int batch) {
        return ConvSsmCache.check(cache, Mamba2Cache.class, cache instanceof Mamba2Cache c && c.fits(cfg), batch);
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        MambaBlocks.checkSequence(x, cfg.dModel());
        int b = x.dim(0), t = x.dim(1);
        Mamba2Cache c = checkCache(cache, b);
        int dInner = cfg.dInner(), h = cfg.nheads(), p = cfg.headdim(), g = cfg.ngroups(), n = cfg.dState(), convDim = cfg.convDim();
        Tensor zxbcdt = Linear.apply(x, inProjW, inProjB);
        Tensor z = zxbcdt.slice(2, 0, dInner);
        Tensor xbc = zxbcdt.slice(2, dInner, dInner + convDim);
        Tensor dt = zxbcdt.slice(2, dInner + convDim, cfg.dInProj());
        Tensor convFinal = c == null ? null : Tensor.zeros(b, convDim, cfg.dConv() - 1);
        Tensor xbcConv = CausalConv1d.forward(xbc, convW, convB, true, c == null ? null : c.conv, convFinal);
        Tensor xs = xbcConv.slice(2, 0, dInner).reshape(b, t, h, p);
        Tensor bs = xbcConv.slice(2, dInner, dInner + g * n).reshape(b, t, g, n);
        Tensor cs = xbcConv.slice(2, dInner + g * n, convDim).reshape(b, t, g, n);
        Tensor zh = cfg.rmsnorm() ? null : z.reshape(b, t, h, p);
        Mamba2Ssd.Result r = Mamba2Ssd.forward(xs, dt.contiguous(), a, bs, cs, cfg.chunkSize(), d, zh, dtBias, true,
                c == null ? null : c.ssm, c != null, null);
        Tensor y = r.y().reshape(b, t, dInner);
        if (cfg.rmsnorm()) {
            Tensor zc = z.contiguous();
            float[] gate = new float[dInner];
            for (int row = 0; row < b * t; row++) gatedNorm(y.data(), row * dInner, zc.data(), zc.offset() + row * dInner, gate, y.data(), row * dInner);
        }
        Tensor out = Linear.apply(y, outProjW, outProjB);
        if (c != null) c.advance(convFinal, r.finalState(), t);
        return out;
    }

    /** RMSNormGated with group size d_inner / ngroups; {@code gate} is scratch of d_inner floats. out may alias y. */
    private void gatedNorm(float[] y, int yo, float[] z, int zo, float[] gate, float[] out, int oo) {
        VectorOps ops = VectorizationProvider.ops();
        int dInner = cfg.dInner(), gs = dInner / cfg.ngroups();
        float[] w = normW.data();
        int wo = normW.offset();
        ops.silu(z, zo, gate, 0, dInner);
        for (int k = 0; k < cfg.ngroups(); k++) {
            int o = k * gs;
            if (cfg.normBeforeGate()) {
                ops.rmsNorm(y, yo + o, w, wo + o, NORM_EPS, out, oo + o, gs);
                ops.mul(out, oo + o, gate, o, out, oo + o, gs);
            } else {
                ops.mul(y, yo + o, gate, o, out, oo + o, gs);
                ops.rmsNorm(out, oo + o, w, wo + o, NORM_EPS, out, oo + o, gs);
            }
        }
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        MambaBlocks.checkStep(x, y, cfg.dModel());
        int b = x.dim(0);
        Mamba2Cache c = checkCache(cache, b);
        Shapes.require(c != null, "cache: expected a Mamba2Cache, got null");
        int dInner = cfg.dInner(), convDim = cfg.convDim(), dIn = cfg.dInProj();
        float[] zx = c.zxbcdt.data(), xin = c.xbcIn.data();
        for (int bi = 0; bi < b; bi++) {
            Linear.gemv(inProjW, inProjB, x.data(), x.offset() + bi * x.stride(0), zx, bi * dIn);
            System.arraycopy(zx, bi * dIn + dInner, xin, bi * convDim, convDim);
        }
        CausalConv1d.step(c.xbcIn, convW, convB, true, c.conv, c.xbcOut);
        SelectiveStateUpdate.update(c.ssm, c.x, c.dt, a, c.b, c.c, d, cfg.rmsnorm() ? null : c.z, dtBias, true, c.y);
        float[] ys = c.y.data();
        for (int bi = 0; bi < b; bi++) {
            int src = bi * dInner;
            if (cfg.rmsnorm()) {
                gatedNorm(ys, src, zx, bi * dIn, c.gate, c.normed, src);
                Linear.gemv(outProjW, outProjB, c.normed, src, y.data(), y.offset() + bi * y.stride(0));
            } else {
                Linear.gemv(outProjW, outProjB, ys, src, y.data(), y.offset() + bi * y.stride(0));
            }
        }
        c.tokens++;
    }

}
