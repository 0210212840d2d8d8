package org.seqmix.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.seqmix.core.Tensor;

class LinearTest {
    @Test
    void applyAndGemvMatchReference() {
        Random r = new Random(1);
        int b = 3, t = 5, in = 37, out = 19;
        Tensor x = Tensor.zeros(b, t, in), w = Tensor.zeros(out, in), bias = Tensor.zeros(out);
        for (Tensor z : new Tensor[] {x, w, bias}) for (int i = 0; i < z.numel(); i++) z.data()[i] = r.nextFloat() - 0.5f;
        Tensor y = Linear.apply(x, w, bias), y0 = Linear.apply(x, w, null);
        assertArrayEquals(new int[] {b, t, out}, y.shape());
        float[] row = new float[out + 2];
        for (int bi = 0; bi < b; bi++) {
            for (int ti = 0; ti < t; ti++) {
                Linear.gemv(w, bias, x.data(), (bi * t + ti) * in, row, 2);
                for (int o = 0; o < out; o++) {
                    double s = 0;
                    for (int i = 0; i < in; i++) s += (double) x.get(bi, ti, i) * w.get(o, i);
                    assertEquals(s + bias.get(o), y.get(bi, ti, o), 1e-5);
                    assertEquals(s, y0.get(bi, ti, o), 1e-5);
                    assertEquals(s + bias.get(o), row[2 + o], 1e-5);
                }
            }
        }
    }

    @Test
    void badArguments() {
        Tensor w = Tensor.zeros(4, 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Linear.apply(Tensor.zeros(2, 4), w, null)).getMessage().startsWith("x:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Linear.apply(Tensor.zeros(2, 3), Tensor.zeros(3), null)).getMessage().startsWith("weight:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Linear.apply(Tensor.zeros(2, 3), w, Tensor.zeros(3))).getMessage().startsWith("bias:"));
        float[] out = new float[4];
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Linear.gemv(w, null, new float[2], 0, out, 0)).getMessage().startsWith("x:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Linear.gemv(w, null, new float[3], 0, out, 1)).getMessage().startsWith("out:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Linear.gemv(w.transpose(0, 1), null, new float[4], 0, out, 0)).getMessage().startsWith("weight:"));
        assertEquals(0, Linear.apply(Tensor.zeros(0, 3), w, null).numel());
    }
}
