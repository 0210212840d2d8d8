package org.seqmix.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TensorTest {
    static Tensor iota(int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = i;
        return t;
    }

    @Test
    void viewsShareDataCopiesDoNot() {
        Tensor t = iota(2, 3, 4);
        Tensor s = t.slice(1, 1, 3), sel = t.select(0, 1), p = t.permute(2, 0, 1), r = t.reshape(6, 4);
        for (Tensor v : new Tensor[] {s, sel, p, r}) assertSame(t.data(), v.data());
        t.set(-1f, 1, 2, 3);
        assertEquals(-1f, s.get(1, 1, 3));
        assertEquals(-1f, sel.get(2, 3));
        assertEquals(-1f, p.get(3, 1, 2));
        assertEquals(-1f, r.get(5, 3));
        Tensor c = t.copy(), cc = p.contiguous();
        assertNotSame(t.data(), c.data());
        assertNotSame(t.data(), cc.data());
        t.set(5f, 0, 0, 0);
        assertEquals(0f, c.get(0, 0, 0), "copy does not follow the source");
        assertSame(t, t.contiguous(), "a contiguous tensor is its own contiguous()");
    }

    @Test
    void sliceSelectPermuteTranspose() {
        Tensor t = iota(2, 3, 4);
        Tensor s = t.slice(2, 1, 3);
        assertArrayEquals(new int[] {2, 3, 2}, s.shape());
        assertFalse(s.isContiguous());
        assertArrayEquals(new float[] {1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22}, s.toArray());
        assertEquals(12 + 8 + 3, t.select(0, 1).select(0, 2).get(3), 0f);
        Tensor p = t.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertEquals(t.get(1, 2, 3), p.get(3, 1, 2));
        Tensor tr = t.transpose(0, -1);
        assertArrayEquals(new int[] {4, 3, 2}, tr.shape());
        assertEquals(t.get(1, 0, 2), tr.get(2, 0, 1));
        assertArrayEquals(new int[] {1, 4, 12}, tr.strides());
        assertEquals(0, t.slice(1, 2, 2).numel(), "empty slice");
    }

    @Test
    void reshapeAndContiguous() {
        Tensor t = iota(2, 3, 4);
        Tensor r = t.reshape(4, -1);
        assertArrayEquals(new int[] {4, 6}, r.shape());
        assertEquals(7f, r.get(1, 1));
        Tensor tr = t.transpose(1, 2);                 // not contiguous: reshape copies
        Tensor rr = tr.reshape(-1);
        assertNotSame(t.data(), rr.data());
        assertArrayEquals(tr.toArray(), rr.toArray());
        assertEquals(4f, rr.get(1));
        Tensor c = tr.contiguous();
        assertTrue(c.isContiguous());
        assertArrayEquals(new int[] {12, 3, 1}, c.strides());
        assertArrayEquals(tr.toArray(), c.toArray());
        Tensor dst = Tensor.zeros(4, 3).transpose(0, 1);
        t.select(0, 0).copyInto(dst);
        assertEquals(t.get(0, 2, 1), dst.get(2, 1));
        Tensor f = Tensor.zeros(2, 3);
        f.slice(1, 1, 2).fill(7f);
        assertArrayEquals(new float[] {0, 7, 0, 0, 7, 0}, f.toArray());
    }

    @Test
    void wrapAndErrors() {
        float[] d = new float[10];
        Tensor w = Tensor.wrap(d, 2, new int[] {2, 3}, new int[] {4, 1});
        w.set(1f, 1, 2);
        assertEquals(1f, d[8]);
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(d, 4, new int[] {2, 3}, new int[] {4, 1}));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        Tensor t = iota(2, 3);
        assertThrows(IllegalArgumentException.class, () -> t.slice(1, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> t.slice(1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> t.select(0, 2));
        assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0));
        assertThrows(IllegalArgumentException.class, () -> t.permute(1));
        assertThrows(IllegalArgumentException.class, () -> t.transpose(0, 2));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, -1));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(7));
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
        assertThrows(IllegalArgumentException.class, () -> t.get(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.copyInto(Tensor.zeros(3, 2)));
        assertTrue(e.getMessage().contains("dst"), e.getMessage());
    }

    @Test
    void errors() {
        Tensor a = Tensor.of(new float[] {3, 4}, 2), b = Tensor.of(new float[] {3, 5}, 2);
        assertEquals(1.0 / 5, Tensor.relativeL2Error(b, a), 1e-12);
        assertEquals(1.0, Tensor.maxAbsError(b, a), 0);
        assertTrue(Double.isNaN(Tensor.relativeL2Error(Tensor.of(new float[] {Float.NaN, 0}, 2), a)));
        assertEquals(5.0, Tensor.relativeL2Error(a, Tensor.zeros(2)), 1e-12, "absolute error when expected is zero");
    }
}
