package org.seqmix.kernels.attention;

import org.seqmix.core.Rng;
import org.seqmix.core.Tensor;

/** Test helpers: a direct double-precision attention written from the mask definition, and random inputs. */
final class Reference {
    private Reference() {}

    interface Visible {
        boolean test(int b, int hq, int i, int j);
    }

    /** o[b,i,hq] = sum_j softmax_j(scale q·k over visible j) v[b,j,h]; zeros when nothing is visible. */
    static Tensor attention(Tensor q, Tensor k, Tensor v, float scale, Visible visible) {
        int bn = q.dim(0), t = q.dim(1), hqn = q.dim(2), d = q.dim(3), hn = k.dim(2);
        Tensor o = Tensor.zeros(bn, t, hqn, d);
        double[] s = new double[t];
        for (int b = 0; b < bn; b++) {
            for (int hq = 0; hq < hqn; hq++) {
                int h = hq / (hqn / hn);
                for (int i = 0; i < t; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (!visible.test(b, hq, i, j)) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int x = 0; x < d; x++) dot += (double) q.get(b, i, hq, x) * k.get(b, j, h, x);
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) continue;
                    double z = 0;
                    for (int j = 0; j < t; j++) z += s[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(s[j] - max);
                    for (int x = 0; x < d; x++) {
                        double acc = 0;
                        for (int j = 0; j < t; j++) if (s[j] != Double.NEGATIVE_INFINITY) acc += Math.exp(s[j] - max) / z * v.get(b, j, h, x);
                        o.set((float) acc, b, i, hq, x);
                    }
                }
            }
        }
        return o;
    }

    static Tensor attention(Tensor q, Tensor k, Tensor v, float scale, AttentionMask mask) {
        return attention(q, k, v, scale, (b, hq, i, j) -> mask.visible(i, j));
    }

    static Tensor[] qkv(long seed, int b, int t, int hq, int h, int d) {
        Rng r = new Rng(seed);
        return new Tensor[] {r.normal(1f, b, t, hq, d), r.normal(1f, b, t, h, d), r.normal(1f, b, t, h, d)};
    }

    /** Runs the decode form token by token through {@code cache}. */
    static Tensor decode(KVCache cache, Tensor q, Tensor k, Tensor v, float scale) {
        int b = q.dim(0), t = q.dim(1), hq = q.dim(2), h = k.dim(2), d = q.dim(3);
        Tensor o = Tensor.zeros(b, t, hq, d);
        Tensor qt = Tensor.zeros(b, hq, d), kt = Tensor.zeros(b, h, d), vt = Tensor.zeros(b, h, d), ot = Tensor.zeros(b, hq, d);
        for (int i = 0; i < t; i++) {
            q.select(1, i).copyInto(qt);
            k.select(1, i).copyInto(kt);
            v.select(1, i).copyInto(vt);
            Attention.decode(cache, qt, kt, vt, scale, ot);
            ot.copyInto(o.select(1, i));
        }
        return o;
    }
}
