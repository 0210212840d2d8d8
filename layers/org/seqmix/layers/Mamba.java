package org.seqmix.layers;

import java.util.Map;
import java.util.Set;
import org.seqmix.core.Rng;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;
import org.seqmix.kernels.Linear;
import org.seqmix.kernels.conv.CausalConv1d;
import org.seqmix.kernels.mamba.SelectiveScan;

/**
 * mamba_ssm's {@code Mamba} (Mamba-1) block: {@code in_proj -> [x, z]}, causal conv + SiLU over x,
 * {@code x_proj -> [dt, B, C]} (dt of rank {@code dt_rank}), {@code dt = dt_proj.weight dt} with
 * {@code dt_proj.bias} added inside the softplus, selective scan with {@code A = -exp(A_log)} and the D skip,
 * gated by {@code silu(z)}, then {@code out_proj}. Weights under mamba_ssm's state_dict names.
 */
public final class Mamba implements SequenceMixer {
    /** mamba_ssm's Mamba constructor arguments that change the computation. */
    public record Config(int dModel, int dState, int dConv, int expand, int dtRank, boolean convBias, boolean bias) {
        public Config {
            Shapes.positive("d_model", dModel);
            Shapes.positive("d_state", dState);
            Shapes.positive("d_conv", dConv);
            Shapes.positive("expand", expand);
            Shapes.positive("dt_rank", dtRank);
        }

        /** mamba_ssm's defaults: d_state 16, d_conv 4, expand 2, dt_rank ceil(d_model / 16), conv bias, no linear bias. */
        public static Config of(int dModel) {
            return new Config(dModel, 16, 4, 2, autoDtRank(dModel), true, false);
        }

        static int autoDtRank(int dModel) { return (dModel + 15) / 16; }

        private static final Set<String> KNOWN = Set.of("d_model", "d_state", "d_conv", "expand", "dt_rank", "conv_bias", "bias",
                "dt_min", "dt_max", "dt_init", "dt_scale", "dt_init_floor", "use_fast_path", "layer_idx");

        /** From a case's {@code config} (mamba_ssm names; {@code dt_rank "auto"} is {@code ceil(d_model / 16)}). */
        public static Config fromMap(Map<String, Object> m) {
            MambaConfigs.onlyKnown("Mamba", m, KNOWN);
            int dModel = MambaConfigs.integer(m, "d_model", -1);
            Object r = m.get("dt_rank");
            int dtRank = r == null || "auto".equals(r) ? autoDtRank(Math.max(dModel, 1)) : MambaConfigs.integer(m, "dt_rank", 0);
            return new Config(dModel, MambaConfigs.integer(m, "d_state", 16), MambaConfigs.integer(m, "d_conv", 4),
                    MambaConfigs.integer(m, "expand", 2), dtRank, MambaConfigs.bool(m, "conv_bias", true), MambaConfigs.bool(m, "bias", false));
        }

        public int dInner() { return expand * dModel; }
    }

    private final Config cfg;
    private final Tensor inProjW, inProjB, convW, convB, xProjW, dtProjW, dtProjB, a, d, outProjW, outProjB;

    private Mamba(Config cfg, Tensor inProjW, Tensor inProjB, Tensor convW, Tensor convB, Tensor xProjW, Tensor dtProjW, Tensor dtProjB,
                  Tensor aLog, Tensor d, Tensor outProjW, Tensor outProjB) {
        this.cfg = cfg;
        this.inProjW = inProjW;
        this.inProjB = inProjB;
        this.convW = convW.reshape(cfg.dInner(), cfg.dConv());
        this.convB = convB;
        this.xProjW = xProjW;
        this.dtProjW = dtProjW;
        this.dtProjB = dtProjB;
        this.a = MambaBlocks.negExp(aLog, cfg.dInner(), cfg.dState());
        this.d = d;
        this.outProjW = outProjW;
        this.outProjB = outProjB;
    }

    /** From mamba_ssm state_dict names ({@code in_proj.weight}, {@code conv1d.weight [d_inner, 1, d_conv]}, {@code x_proj.weight}, ...). */
    public static Mamba fromWeights(Config cfg, Weights w) {
        int dInner = cfg.dInner(), n = cfg.dState(), r = cfg.dtRank();
        return new Mamba(cfg,
                w.get("in_proj.weight", 2 * dInner, cfg.dModel()),
                cfg.bias() ? w.get("in_proj.bias", 2 * dInner) : MambaBlocks.absent(w, "in_proj.bias", "bias"),
                w.get("conv1d.weight", dInner, 1, cfg.dConv()),
                cfg.convBias() ? w.get("conv1d.bias", dInner) : MambaBlocks.absent(w, "conv1d.bias", "conv_bias"),
                w.get("x_proj.weight", r + 2 * n, dInner),
                w.get("dt_proj.weight", dInner, r),
                w.get("dt_proj.bias", dInner),
                w.get("A_log", dInner, n),
                w.get("D", dInner),
                w.get("out_proj.weight", cfg.dModel(), dInner),
                cfg.bias() ? w.get("out_proj.bias", cfg.dModel()) : MambaBlocks.absent(w, "out_proj.bias", "bias"));
    }

    /** Random weights with mamba_ssm's initialisation (S4D-real A = -(1..N), dt in [1e-3, 1e-1]). */
    public static Mamba random(Config cfg, long seed) {
        Rng rng = new Rng(seed);
        int dInner = cfg.dInner(), n = cfg.dState(), r = cfg.dtRank();
        Tensor aLog = Tensor.zeros(dInner, n);
        for (int i = 0; i < dInner; i++) for (int k = 0; k < n; k++) aLog.set((float) Math.log(k + 1), i, k);
        Tensor dtBias = MambaBlocks.randomDtBias(rng, dInner);
        float dtStd = (float) (1.0 / Math.sqrt(r));
        float cb = (float) (1.0 / Math.sqrt(cfg.dConv()));
        return new Mamba(cfg, rng.linear(2 * dInner, cfg.dModel()), cfg.bias() ? rng.uniform(-0.1f, 0.1f, 2 * dInner) : null,
                rng.uniform(-cb, cb, dInner, 1, cfg.dConv()), cfg.convBias() ? rng.uniform(-cb, cb, dInner) : null,
                rng.linear(r + 2 * n, dInner), rng.uniform(-dtStd, dtStd, dInner, r), dtBias, aLog, Tensor.full(1f, dInner),
                rng.linear(cfg.dModel(), dInner), cfg.bias() ? rng.uniform(-0.1f, 0.1f, cfg.dModel()) : null);
    }

    /** A typical size: d_model 1024, d_state 16. */
    public static Mamba demo(long seed) {
        return random(Config.of(1024), seed);
    }

    public Config config() { return cfg; }

    @Override public String name() { return "Mamba"; }
    @Override public int hiddenSize() { return cfg.dModel(); }
    @Override public MambaCache newCache(int batch) { return new MambaCache(cfg, Shapes.positive("batch", batch)); }

    private MambaCache checkCache(MixerCache cache, int batch) {
        return ConvSsmCache.check(cache, MambaCache.class, cache instanceof MambaCache c && c.fits(cfg), batch);
    }

    @Override
    public Tensor forward(Tensor x, MixerCache cache) {
        MambaBlocks.checkSequence(x, cfg.dModel());
        int b = x.dim(0), t = x.dim(1);
        MambaCache c = checkCache(cache, b);
        int dInner = cfg.dInner(), n = cfg.dState(), r = cfg.dtRank();
        Tensor xz = Linear.apply(x, inProjW, inProjB);
        Tensor convFinal = c == null ? null : Tensor.zeros(b, dInner, cfg.dConv() - 1);
        Tensor xc = CausalConv1d.forward(xz.slice(2, 0, dInner), convW, convB, true, c == null ? null : c.conv, convFinal);
        Tensor xdbl = Linear.apply(xc, xProjW, null);
        Tensor dt = Linear.apply(xdbl.slice(2, 0, r), dtProjW, null);
        SelectiveScan.Result res = SelectiveScan.scan(xc, dt, a, xdbl.slice(2, r, r + n), xdbl.slice(2, r + n, r + 2 * n), d,
                xz.slice(2, dInner, 2 * dInner), dtProjB, true, c == null ? null : c.ssm, c != null);
        Tensor out = Linear.apply(res.y(), outProjW, outProjB);
        if (c != null) c.advance(convFinal, res.lastState(), t);
        return out;
    }

    @Override
    public void step(Tensor x, MixerCache cache, Tensor y) {
        MambaBlocks.checkStep(x, y, cfg.dModel());
        int b = x.dim(0);
        MambaCache c = checkCache(cache, b);
        Shapes.require(c != null, "cache: expected a MambaCache, got null");
        int dInner = cfg.dInner(), r = cfg.dtRank(), w = r + 2 * cfg.dState();
        float[] xz = c.xz.data();
        for (int bi = 0; bi < b; bi++) {
            Linear.gemv(inProjW, inProjB, x.data(), x.offset() + bi * x.stride(0), xz, bi * 2 * dInner);
            System.arraycopy(xz, bi * 2 * dInner, c.xIn.data(), bi * dInner, dInner);
        }
        CausalConv1d.step(c.xIn, convW, convB, true, c.conv, c.xConv);
        for (int bi = 0; bi < b; bi++) {
            Linear.gemv(xProjW, null, c.xConv.data(), bi * dInner, c.xdbl.data(), bi * w);
            Linear.gemv(dtProjW, null, c.xdbl.data(), bi * w, c.dt.data(), bi * dInner);
        }
        SelectiveScan.step(c.ssm, c.xConv, c.dt, a, c.b, c.c, d, c.z, dtProjB, true, c.y);
        for (int bi = 0; bi < b; bi++) {
            Linear.gemv(outProjW, outProjB, c.y.data(), bi * dInner, y.data(), y.offset() + bi * y.stride(0));
        }
        c.tokens++;
    }
}
