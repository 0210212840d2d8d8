package org.seqmix.kernels.deltarule;

import java.util.Random;
import org.seqmix.core.Tensor;

/** Random delta-rule inputs for tests (seeded). */
final class DeltaRuleInputs {
    final Tensor q, k, v, gHead, gChannel, beta, bGate, wGate, h0;

    DeltaRuleInputs(long seed, int b, int t, int h, int hv, int kd, int vd, int n, float gMin) {
        Random r = new Random(seed);
        q = normal(r, 1f, b, t, h, kd);
        k = normal(r, 1f, b, t, h, kd);
        // keep k at unit norm scale so the delta rule is a contraction (as with use_qk_l2norm in the layers)
        float[] ka = k.data();
        for (int i = 0; i < ka.length; i += kd) {
            double s = 0;
            for (int j = 0; j < kd; j++) s += ka[i + j] * ka[i + j];
            float inv = (float) (1 / Math.sqrt(s + 1e-6));
            for (int j = 0; j < kd; j++) ka[i + j] *= inv;
        }
        v = normal(r, 1f, b, t, hv, vd);
        gHead = uniform(r, gMin, 0f, b, t, hv);
        gChannel = uniform(r, gMin, 0f, b, t, hv, kd);
        beta = uniform(r, 0f, 1f, b, t, hv);
        bGate = uniform(r, 0f, 1f, b, t, hv, kd);
        wGate = uniform(r, 0f, 1f, b, t, hv, vd);
        h0 = normal(r, 0.5f, n, hv, kd, vd);
    }

    /** Tokens [t0, t1) of every per-token input, as contiguous tensors. */
    static final class Slice {
        final Tensor q, k, v, gHead, gChannel, beta, bGate, wGate;

        Slice(DeltaRuleInputs in, int t0, int t1) {
            q = in.q.slice(1, t0, t1).contiguous();
            k = in.k.slice(1, t0, t1).contiguous();
            v = in.v.slice(1, t0, t1).contiguous();
            gHead = in.gHead.slice(1, t0, t1).contiguous();
            gChannel = in.gChannel.slice(1, t0, t1).contiguous();
            beta = in.beta.slice(1, t0, t1).contiguous();
            bGate = in.bGate.slice(1, t0, t1).contiguous();
            wGate = in.wGate.slice(1, t0, t1).contiguous();
        }
    }

    static Tensor normal(Random r, float std, int... shape) {
        Tensor x = Tensor.zeros(shape);
        float[] a = x.data();
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * std);
        return x;
    }

    static Tensor uniform(Random r, float lo, float hi, int... shape) {
        Tensor x = Tensor.zeros(shape);
        float[] a = x.data();
        for (int i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * r.nextFloat();
        return x;
    }
}
