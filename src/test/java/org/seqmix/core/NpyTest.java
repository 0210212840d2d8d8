package org.seqmix.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy files built byte by byte (not by our writer), so reader bugs cannot cancel writer bugs. */
class NpyTest {
    @TempDir Path dir;

    /** Magic, version, header length (2 bytes for v1, 4 for v2/3), dict padded to 64 with '\n', then data. */
    static byte[] npy(int version, String dict, byte[] data) {
        int pre = version == 1 ? 10 : 12;
        int total = pre + dict.length() + 1;
        String head = dict + " ".repeat((64 - total % 64) % 64) + "\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(pre + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) b.putShort((short) h.length); else b.putInt(h.length);
        return b.put(h).put(data).array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    }


    Path save(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    @Test
    void floatsBothVersionsAndByteOrders() throws IOException {
        for (int version : new int[] {1, 2, 3}) {
            for (ByteOrder bo : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                String c = bo == ByteOrder.LITTLE_ENDIAN ? "<" : ">";
                ByteBuffer f4 = ByteBuffer.allocate(24).order(bo);
                for (float v : new float[] {1.5f, -2f, 3e-7f, 0f, 1e30f, -0.25f}) f4.putFloat(v);
                Npy.Array a = Npy.read(save("f4.npy", npy(version, dict(c + "f4", false, "(2, 3)"), f4.array())));
                assertEquals("f4", a.dtype());
                assertArrayEquals(new int[] {2, 3}, a.shape());
                assertArrayEquals(new float[] {1.5f, -2f, 3e-7f, 0f, 1e30f, -0.25f}, a.floats(), "v" + version + " " + bo);

                ByteBuffer f8 = ByteBuffer.allocate(16).order(bo).putDouble(0.1).putDouble(-1e300);
                Npy.Array d = Npy.read(save("f8.npy", npy(version, dict(c + "f8", false, "(2,)"), f8.array())));
                assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY}, d.floats());

                ByteBuffer i4 = ByteBuffer.allocate(12).order(bo).putInt(-7).putInt(Integer.MAX_VALUE).putInt(3);
                assertArrayEquals(new int[] {-7, Integer.MAX_VALUE, 3}, Npy.read(save("i4.npy", npy(version, dict(c + "i4", false, "(3,)"), i4.array()))).toInts());

                ByteBuffer i8 = ByteBuffer.allocate(16).order(bo).putLong(1L << 40).putLong(-2);
                Npy.Array l = Npy.read(save("i8.npy", npy(version, dict(c + "i8", false, "(1, 2)"), i8.array())));
                assertArrayEquals(new long[] {1L << 40, -2}, l.longs());
                assertThrows(IllegalArgumentException.class, l::toInts, "2^40 does not fit int32");
            }
        }
    }

    @Test
    void bytesAndBooleans() throws IOException {
        Npy.Array u = Npy.read(save("u1.npy", npy(1, dict("|u1", false, "(4,)"), new byte[] {0, 1, (byte) 200, (byte) 255})));
        assertArrayEquals(new int[] {0, 1, 200, 255}, u.toInts());
        Npy.Array b = Npy.read(save("b1.npy", npy(1, dict("|b1", false, "(3,)"), new byte[] {0, 1, 1})));
        assertArrayEquals(new float[] {0, 1, 1}, b.toTensor().toArray());
        Npy.Array s = Npy.read(save("scalar.npy", npy(1, dict("<i4", false, "()"), new byte[] {5, 0, 0, 0})));
        assertEquals(0, s.shape().length);
        assertArrayEquals(new int[] {5}, s.toInts());
    }

    @Test
    void fortranOrderIsReLaidOut() throws IOException {
        // C-order [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6
        ByteBuffer f = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1, 4, 2, 5, 3, 6}) f.putFloat(v);
        Npy.Array a = Npy.read(save("fortran.npy", npy(1, dict("<f4", true, "(2, 3)"), f.array())));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.floats());
        // 3-D, integers: element (i,j,k) = 100i + 10j + k, shape (2, 3, 2)
        ByteBuffer g = ByteBuffer.allocate(12 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 2; k++) for (int j = 0; j < 3; j++) for (int i = 0; i < 2; i++) g.putLong(100 * i + 10 * j + k);
        Npy.Array b = Npy.read(save("fortran3.npy", npy(2, dict("<i8", true, "(2, 3, 2)"), g.array())));
        int[] v = b.toInts();
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 2; k++) assertEquals(100 * i + 10 * j + k, v[i * 6 + j * 2 + k]);
    }

    @Test
    void writerRoundTrips() throws IOException {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2).transpose(0, 1);
        Path p = dir.resolve("w.npy");
        Npy.write(p, t);
        Tensor r = Npy.readTensor(p);
        assertArrayEquals(new int[] {2, 3}, r.shape());
        assertArrayEquals(new float[] {1, 3, 5, 2, 4, 6}, r.toArray());
        assertEquals(0, (Files.size(p) - 24) % 64, "header padded to 64 bytes");
        Npy.writeInts(dir.resolve("cu.npy"), new int[] {0, 3, 7}, 3);
        assertArrayEquals(new int[] {0, 3, 7}, Npy.read(dir.resolve("cu.npy")).toInts());
        Npy.write(p, Tensor.of(new float[] {9}));
        assertEquals(0, Npy.readTensor(p).rank());
    }

    void rejected(String name, byte[] content, String fragment) throws IOException {
        Path p = save(name, content);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(name), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "says '" + fragment + "': " + e.getMessage());
    }

    @Test
    void malformedRejectedWithFileName() throws IOException {
        byte[] good = npy(1, dict("<f4", false, "(2,)"), new byte[8]);
        rejected("truncated.npy", java.util.Arrays.copyOf(good, good.length - 3), "truncated");
        rejected("toolong.npy", npy(1, dict("<f4", false, "(2,)"), new byte[12]), "needs 8");
        byte[] lies = good.clone();
        lies[8] = (byte) 0xff;
        lies[9] = (byte) 0x7f;
        rejected("lies.npy", lies, "header length");
        byte[] lies2 = npy(2, dict("<f4", false, "(2,)"), new byte[8]);
        lies2[11] = 0x10;
        rejected("lies2.npy", lies2, "header length");
        rejected("dtype.npy", npy(1, dict("<c8", false, "(2,)"), new byte[16]), "c8");
        rejected("unicode.npy", npy(1, dict("<U3", false, "(2,)"), new byte[24]), "U3");
        byte[] magic = good.clone();
        magic[1] = 'X';
        rejected("magic.npy", magic, "magic");
        rejected("short.npy", new byte[] {(byte) 0x93, 'N'}, "magic");
        rejected("version.npy", npy(9, dict("<f4", false, "(2,)"), new byte[8]), "version");
        rejected("noshape.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, }", new byte[8]), "shape");
        rejected("badshape.npy", npy(1, dict("<f4", false, "(2, -1)"), new byte[8]), "-1");
    }
}
