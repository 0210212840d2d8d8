package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** Every VectorOps primitive, scalar and Panama, against float64 references on odd lengths (tails included). */
class VectorOpsTest {
    static final int[] LENGTHS = {1, 7, 8, 9, 31, 33, 100, 600}; // 600: past the 256-float buffer of sigmoid/silu
    static final int OFF = 3;   // non-zero offsets everywhere

    static List<VectorOps> impls() throws Exception {
        List<VectorOps> l = new ArrayList<>();
        l.add(new ScalarVectorOps());
        if (VectorizationProvider.vectorModulePresent()) {
            l.add((VectorOps) Class.forName("org.seqmix.kernels.PanamaVectorOps").getDeclaredConstructor().newInstance());
        }
        return l;
    }

    static float[] rand(Random r, int n, float lo, float hi) {
        float[] a = new float[n + 2 * OFF];
        for (int i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * r.nextFloat();
        return a;
    }

    static void close(double expected, double actual, double rel, double abs, String what) {
        double tol = abs + rel * Math.abs(expected);
        assertTrue(Math.abs(expected - actual) <= tol || (Double.isNaN(expected) && Double.isNaN(actual)),
                what + ": expected " + expected + " got " + actual);
    }

    @Test
    void panamaIsActiveWhenTheModuleIsPresent() {
        // surefire adds --add-modules jdk.incubator.vector; run with -Dseqmix.vector= to test the scalar floor
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorizationProvider.vectorModulePresent()
                && !"scalar".equals(System.getProperty("seqmix.vectorization")));
        assertTrue(VectorizationProvider.simd(), VectorizationProvider.ops().name());
        assertTrue(VectorizationProvider.ops().lanes() >= 4, VectorizationProvider.ops().name());
        assertTrue(Gemm.kernelName().startsWith("panama"), Gemm.kernelName());
    }

    @Test
    void reductions() throws Exception {
        Random r = new Random(1);
        for (VectorOps ops : impls()) {
            for (int n : LENGTHS) {
                float[] a = rand(r, n, -2, 2), b = rand(r, n, -2, 2);
                double dot = 0, sum = 0, ss = 0, absd = 0, abss = 0, max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    dot += (double) a[OFF + i] * b[OFF + i];
                    absd += Math.abs((double) a[OFF + i] * b[OFF + i]);
                    sum += a[OFF + i];
                    abss += Math.abs(a[OFF + i]);
                    ss += (double) a[OFF + i] * a[OFF + i];
                    max = Math.max(max, a[OFF + i]);
                }
                String w = ops.name() + " n=" + n;
                close(dot, ops.dot(a, OFF, b, OFF, n), 0, 1e-6 * absd + 1e-7, "dot " + w);
                close(sum, ops.sum(a, OFF, n), 0, 1e-6 * abss + 1e-7, "sum " + w);
                close(ss, ops.sumSquares(a, OFF, n), 1e-6, 1e-7, "sumSquares " + w);
                assertEquals((float) max, ops.max(a, OFF, n), "max " + w);
            }
            // elements outside the slice never count
            float[] a = {100, 1, 2, 3, 100};
            assertEquals(3f, ops.max(a, 1, 3));
            assertEquals(6f, ops.sum(a, 1, 3));
        }
    }

    interface Elementwise { void run(VectorOps ops, float[] a, float[] b, float[] out); }
    interface Ref { double at(double a, double b, double out); }

    void elementwise(String name, Elementwise f, Ref ref) throws Exception {
        Random r = new Random(name.hashCode());
        for (VectorOps ops : impls()) {
            for (int n : LENGTHS) {
                float[] a = rand(r, n, -3, 3), b = rand(r, n, -3, 3), out = rand(r, n, -3, 3);
                float[] before = out.clone();
                f.run(ops, a, b, out);
                for (int i = 0; i < n; i++) {
                    close(ref.at(a[OFF + i], b[OFF + i], before[OFF + i]), out[OFF + i], 1e-6, 1e-6, name + " " + ops.name() + " n=" + n + " i=" + i);
                }
                // untouched outside [OFF, OFF+n)
                for (int i = 0; i < OFF; i++) {
                    assertEquals(before[i], out[i]);
                    assertEquals(before[OFF + n + i], out[OFF + n + i], name + " wrote past the end");
                }
            }
        }
    }

    @Test
    void elementwiseOps() throws Exception {
        elementwise("axpy", (o, a, b, out) -> o.axpy(0.7f, a, OFF, out, OFF, a.length - 2 * OFF), (a, b, c) -> c + 0.7f * a);
        elementwise("scaleAdd", (o, a, b, out) -> o.scaleAdd(0.7f, out, OFF, a, OFF, a.length - 2 * OFF), (a, b, c) -> 0.7f * c + a);
        elementwise("scale", (o, a, b, out) -> o.scale(-1.5f, out, OFF, a.length - 2 * OFF), (a, b, c) -> -1.5 * c);
        elementwise("scale into", (o, a, b, out) -> o.scale(-1.5f, b, OFF, out, OFF, a.length - 2 * OFF), (a, b, c) -> -1.5 * b);
        elementwise("add", (o, a, b, out) -> o.add(a, OFF, b, OFF, out, OFF, a.length - 2 * OFF), (a, b, c) -> a + b);
        elementwise("mul", (o, a, b, out) -> o.mul(a, OFF, b, OFF, out, OFF, a.length - 2 * OFF), (a, b, c) -> a * b);
        elementwise("fma", (o, a, b, out) -> o.fma(a, OFF, b, OFF, out, OFF, a.length - 2 * OFF), (a, b, c) -> a * b + c);
    }

    void unary(String name, Elementwise f, DoubleUnaryOperator ref, float lo, float hi, double rel, double abs) throws Exception {
        Random r = new Random(name.hashCode());
        for (VectorOps ops : impls()) {
            for (int n : LENGTHS) {
                float[] x = rand(r, n, lo, hi), out = new float[x.length];
                f.run(ops, x, null, out);
                for (int i = 0; i < n; i++) {
                    close(ref.applyAsDouble(x[OFF + i]), out[OFF + i], rel, abs, name + " " + ops.name() + " x=" + x[OFF + i]);
                }
                assertEquals(0f, out[OFF + n], name + " wrote past the end");
                // in place
                float[] y = x.clone();
                f.run(ops, y, null, y);
                for (int i = 0; i < n; i++) assertEquals(out[OFF + i], y[OFF + i], name + " in place");
            }
            // special values
            float[] s = {0, 0, 0, Float.NaN, 0, 0, 0, 0, 0, 0, 0};
            float[] o = new float[s.length];
            f.run(ops, s, null, o);
            assertTrue(Float.isNaN(o[OFF]), name + " NaN must stay NaN (" + ops.name() + ")");
        }
    }

    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    @Test
    void activations() throws Exception {
        Elementwise exp = (o, x, b, out) -> o.exp(x, OFF, out, OFF, x.length - 2 * OFF);
        unary("exp", exp, Math::exp, -87, 88, 1e-6, 0, 0);
        unary("exp", exp, Math::exp, -5, 5, 1e-6, 0);
        unary("sigmoid", (o, x, b, out) -> o.sigmoid(x, OFF, out, OFF, x.length - 2 * OFF), VectorOpsTest::sigmoid, -40, 40, 2e-6, 1e-30);
        unary("silu", (o, x, b, out) -> o.silu(x, OFF, out, OFF, x.length - 2 * OFF), v -> v * sigmoid(v), -40, 40, 2e-6, 1e-30);
        unary("softplus", (o, x, b, out) -> o.softplus(x, OFF, out, OFF, x.length - 2 * OFF),
                v -> v > 20 ? v : Math.log1p(Math.exp(v)), -40, 40, 2e-6, 1e-30);
        unary("softplus small", (o, x, b, out) -> o.softplus(x, OFF, out, OFF, x.length - 2 * OFF),
                v -> Math.log1p(Math.exp(v)), -3, 3, 2e-6, 0);
        unary("logsigmoid", (o, x, b, out) -> o.logsigmoid(x, OFF, out, OFF, x.length - 2 * OFF),
                v -> Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))), -40, 40, 2e-6, 1e-30);
        for (VectorOps ops : impls()) {
            float[] x = {25f, -25f, 0f, 100f, -100f, 1e-3f, -1e-3f};
            float[] sp = new float[x.length], ls = new float[x.length], sg = new float[x.length], si = new float[x.length];
            ops.softplus(x, 0, sp, 0, x.length);
            ops.logsigmoid(x, 0, ls, 0, x.length);
            ops.sigmoid(x, 0, sg, 0, x.length);
            ops.silu(x, 0, si, 0, x.length);
            assertEquals(25f, sp[0], "softplus is x above 20 (" + ops.name() + ")");
            assertEquals(100f, sp[3]);
            assertEquals(-100f, ls[4], 1e-5f);
            assertEquals(1f, sg[3]);
            assertEquals(0f, sg[4], 1e-38f);
            assertEquals(0f, si[4], 1e-30f);
            close(Math.log(2), sp[2], 1e-6, 0, "softplus(0) " + ops.name());
        }
    }

    void unary(String name, Elementwise f, DoubleUnaryOperator ref, float lo, float hi, double rel, double abs, int unused) throws Exception {
        unary(name, f, ref, lo, hi, rel, abs);
    }

    @Test
    void expAccuracyDenseGridAndEnds() throws Exception {
        int n = 1_750_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / (n - 1);
        for (VectorOps ops : impls()) {
            float[] y = new float[n];
            ops.exp(x, 0, y, 0, n);
            double worst = 0;
            float at = 0;
            for (int i = 0; i < n; i++) {
                double ref = Math.exp(x[i]);
                double e = Math.abs(y[i] - ref) / ref;
                if (e > worst) { worst = e; at = x[i]; }
            }
            assertTrue(worst <= 1e-6, ops.name() + ": exp relative error " + worst + " at " + at);
            float[] s = {-88f, -87.5f, -1000f, Float.NEGATIVE_INFINITY, 88.7f, 88.75f, 1000f, Float.POSITIVE_INFINITY, Float.NaN, 0f, -0f};
            float[] o = new float[s.length];
            ops.exp(s, 0, o, 0, s.length);
            String w = ops.name();
            assertTrue(o[0] >= 0 && o[0] < 1.2e-38f, w + " exp(-88) is 0 or subnormal: " + o[0]);
            assertTrue(o[1] >= 0 && o[1] < 1.2e-38f, w + " " + o[1]);
            assertEquals(0f, o[2], w);
            assertEquals(0f, o[3], w);
            close(Math.exp((double) 88.7f), o[4], 1e-6, 0, w + " exp(88.7)");
            assertEquals(Float.POSITIVE_INFINITY, o[5], w);
            assertEquals(Float.POSITIVE_INFINITY, o[6], w);
            assertEquals(Float.POSITIVE_INFINITY, o[7], w);
            assertTrue(Float.isNaN(o[8]), w);
            assertEquals(1f, o[9], w);
            assertEquals(1f, o[10], w);
        }
    }

    @Test
    void gemvRows() throws Exception {
        Random r = new Random(11);
        for (VectorOps ops : impls()) {
            for (int n : LENGTHS) {
                for (int rows : new int[] {0, 1, 3, 4, 5, 9}) {
                    int lda = n + 2;
                    float[] a = rand(r, OFF + rows * lda, -1f, 1f), x = rand(r, OFF + n, -1f, 1f), out = new float[OFF + rows + 1];
                    out[OFF + rows] = 42f; // past the last row: must stay
                    ops.gemvRows(0.5f, a, OFF, lda, rows, x, OFF, n, out, OFF);
                    for (int row = 0; row < rows; row++) {
                        double ref = 0;
                        for (int i = 0; i < n; i++) ref += (double) a[OFF + row * lda + i] * x[OFF + i];
                        close(0.5 * ref, out[OFF + row], 1e-5, 1e-6, ops.name() + " gemvRows n=" + n + " row " + row + "/" + rows);
                    }
                    assertEquals(42f, out[OFF + rows], ops.name() + " wrote past the rows");
                }
            }
        }
    }

    @Test
    void softmax() throws Exception {
        Random r = new Random(5);
        for (VectorOps ops : impls()) {
            for (int n : LENGTHS) {
                float[] x = rand(r, n, -20, 20);
                float[] before = x.clone();
                double m = Double.NEGATIVE_INFINITY, z = 0;
                for (int i = 0; i < n; i++) m = Math.max(m, x[OFF + i]);
                for (int i = 0; i < n; i++) z += Math.exp(x[OFF + i] - m);
                float s = ops.softmax(x, OFF, n);
                close(z, s, 2e-6, 0, "softmax normaliser " + ops.name());
                for (int i = 0; i < n; i++) close(Math.exp(before[OFF + i] - m) / z, x[OFF + i], 3e-6, 1e-12, "softmax " + ops.name());
                assertEquals(before[OFF + n], x[OFF + n]);
            }
            float[] masked = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY, 0f, 0f, 0f, 0f, 0f, 0f};
            ops.softmax(masked, 0, 2);
            assertArrayEquals(new float[] {0, 0}, new float[] {masked[0], masked[1]}, "all -inf row gives zeros");
            ops.softmax(masked, 2, 8);
            assertEquals(0f, masked[3]);
            assertEquals(1f / 7, masked[2], 1e-7f);
        }
    }

    @Test
    void norms() throws Exception {
        Random r = new Random(7);
        float eps = 1e-5f;
        for (VectorOps ops : impls()) {
            for (int n : LENGTHS) {
                float[] x = rand(r, n, -2, 2), w = rand(r, n, -2, 2), g = rand(r, n, -4, 4);
                double ss = 0;
                for (int i = 0; i < n; i++) ss += (double) x[OFF + i] * x[OFF + i];
                double rr = 1 / Math.sqrt(ss / n + eps), rl = 1 / Math.sqrt(ss + eps);
                float[] o1 = new float[x.length], o2 = new float[x.length], o3 = new float[x.length], o4 = new float[x.length];
                ops.rmsNorm(x, OFF, w, OFF, eps, o1, OFF, n);
                ops.rmsNorm(x, OFF, null, 0, eps, o2, OFF, n);
                ops.gatedRmsNorm(x, OFF, g, OFF, w, OFF, eps, o3, OFF, n);
                ops.gatedRmsNorm(x, OFF, g, OFF, null, 0, eps, o4, OFF, n);
                float[] l2 = x.clone();
                ops.l2Normalize(l2, OFF, eps, n);
                for (int i = 0; i < n; i++) {
                    double xv = x[OFF + i], gv = g[OFF + i], wv = w[OFF + i];
                    String at = ops.name() + " n=" + n + " i=" + i;
                    close(xv * rr * wv, o1[OFF + i], 3e-6, 1e-7, "rmsNorm " + at);
                    close(xv * rr, o2[OFF + i], 3e-6, 1e-7, "rmsNorm no weight " + at);
                    close(xv * rr * wv * gv * sigmoid(gv), o3[OFF + i], 4e-6, 1e-7, "gatedRmsNorm " + at);
                    close(xv * rr * gv * sigmoid(gv), o4[OFF + i], 4e-6, 1e-7, "gatedRmsNorm no weight " + at);
                    close(xv * rl, l2[OFF + i], 3e-6, 1e-7, "l2Normalize " + at);
                }
                assertEquals(0f, o3[OFF + n]);
                assertEquals(x[OFF + n], l2[OFF + n]);
            }
        }
    }

    @Test
    void scalarAndPanamaAgree() throws Exception {
        List<VectorOps> l = impls();
        if (l.size() < 2) return;
        Random r = new Random(11);
        float[] x = rand(r, 1000, -30, 30);
        float[] a = new float[x.length], b = new float[x.length];
        l.get(0).silu(x, 0, a, 0, x.length);
        l.get(1).silu(x, 0, b, 0, x.length);
        for (int i = 0; i < x.length; i++) close(a[i], b[i], 3e-6, 1e-30, "silu x=" + x[i]);
        l.get(0).logsigmoid(x, 0, a, 0, x.length);
        l.get(1).logsigmoid(x, 0, b, 0, x.length);
        for (int i = 0; i < x.length; i++) close(a[i], b[i], 3e-6, 1e-30, "logsigmoid x=" + x[i]);
    }
}
