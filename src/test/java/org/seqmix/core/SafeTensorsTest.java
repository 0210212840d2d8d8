package org.seqmix.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir Path dir;

    /** A file from a literal header and data bytes; {@code lenOverride} >= 0 replaces the true header length. */
    Path file(String name, String header, byte[] data, long lenOverride) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lenOverride >= 0 ? lenOverride : h.length).put(h).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    static byte[] le(int bytes, long... values) {
        ByteBuffer b = ByteBuffer.allocate(bytes * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (bytes) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    @Test
    void roundTripF32() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a.weight", Tensor.of(new float[] {1, -2.5f, 3e-8f, Float.MAX_VALUE, 0, -0f}, 2, 3));
        m.put("b", Tensor.of(new float[] {7}, 1));
        m.put("scalar", Tensor.of(new float[] {4}));
        m.put("empty", Tensor.zeros(0, 3));
        m.put("view", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).transpose(0, 1));   // non-contiguous source
        Path p = dir.resolve("rt.safetensors");
        SafeTensors.write(p, m);
        byte[] raw = Files.readAllBytes(p);
        long hl = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, hl % 8, "header padded to 8 bytes");
        Map<String, Tensor> r = SafeTensors.read(p);
        assertEquals(m.keySet().stream().toList(), r.keySet().stream().toList(), "order kept");
        for (String k : m.keySet()) {
            assertArrayEquals(m.get(k).shape(), r.get(k).shape(), k);
            assertArrayEquals(m.get(k).toArray(), r.get(k).toArray(), k);
        }
        assertArrayEquals(new float[] {1, 3, 2, 4}, r.get("view").toArray());
        assertEquals(SafeTensors.DType.F32, SafeTensors.header(p).entries().get("b").dtype());
    }

    @Test
    void decodesEveryDtype() throws IOException {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 0x0001 = 2^-24, inf 0x7C00
        // BF16: 1.0 = 0x3F80, -3.0 = 0xC040, 0.15625 = 0x3E20
        byte[] f16 = le(2, 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00);
        byte[] bf16 = le(2, 0x3F80, 0xC040, 0x3E20);
        byte[] i32 = le(4, -5, 2147483647L);
        byte[] i64 = le(8, -1, 1L << 40);
        byte[] u8 = le(1, 0, 255);
        byte[] bool = le(1, 0, 1, 2);
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        long o = 0;
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        Object[][] parts = {{"h", "F16", "[5]", f16}, {"bf", "BF16", "[3]", bf16}, {"i", "I32", "[2]", i32},
                {"l", "I64", "[2]", i64}, {"u", "U8", "[2]", u8}, {"b", "BOOL", "[3]", bool}};
        for (Object[] pt : parts) {
            byte[] d = (byte[]) pt[3];
            h.append(",\"").append(pt[0]).append("\":{\"dtype\":\"").append(pt[1]).append("\",\"shape\":").append(pt[2])
                    .append(",\"data_offsets\":[").append(o).append(',').append(o + d.length).append("]}");
            data.write(d);
            o += d.length;
        }
        h.append('}');
        Path p = file("dt.safetensors", h.toString(), data.toByteArray(), -1);
        Map<String, SafeTensors.Array> a = SafeTensors.readArrays(p);
        assertArrayEquals(new float[] {1f, -2f, 65504f, (float) Math.pow(2, -24), Float.POSITIVE_INFINITY}, a.get("h").floats());
        assertArrayEquals(new float[] {1f, -3f, 0.15625f}, a.get("bf").floats());
        assertArrayEquals(new int[] {-5, Integer.MAX_VALUE}, a.get("i").toInts());
        assertArrayEquals(new long[] {-1, 1L << 40}, a.get("l").longs());
        assertThrows(IllegalArgumentException.class, () -> a.get("l").toInts());
        assertArrayEquals(new long[] {0, 255}, a.get("u").longs());
        assertArrayEquals(new long[] {0, 1, 1}, a.get("b").longs());
        assertEquals(SafeTensors.DType.BOOL, a.get("b").dtype());
        assertArrayEquals(new float[] {0, 255}, SafeTensors.read(p).get("u").toArray());
        assertEquals("pt", SafeTensors.header(p).metadata().get("format"));
    }

    @Test
    void largeTensorsAreDecodedWindowByWindow() throws IOException {
        // shrink the mapping window so the multi-window path (used above 1 GiB) runs on a small file
        long saved = SafeTensors.window;
        try {
            SafeTensors.window = 12;   // 3 floats, 6 halves, 1.5 longs -> 1 long per window
            float[] v = new float[10];
            for (int i = 0; i < v.length; i++) v[i] = i * 1.25f;
            Path p = dir.resolve("win.safetensors");
            SafeTensors.write(p, Map.of("v", Tensor.of(v, 2, 5)));
            assertArrayEquals(v, SafeTensors.read(p).get("v").toArray());
            Path q = file("win16.safetensors", "{\"h\":{\"dtype\":\"BF16\",\"shape\":[7],\"data_offsets\":[0,14]},"
                    + "\"l\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[14,38]}}",
                    concat(le(2, 0x3F80, 0x4000, 0x4040, 0x4080, 0x40A0, 0x40C0, 0x40E0), le(8, 5, -6, 7)), -1);
            Map<String, SafeTensors.Array> a = SafeTensors.readArrays(q);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7}, a.get("h").floats());
            assertArrayEquals(new long[] {5, -6, 7}, a.get("l").longs());
        } finally {
            SafeTensors.window = saved;
        }
    }

    static byte[] concat(byte[] x, byte[] y) {
        byte[] r = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, r, x.length, y.length);
        return r;
    }

    void rejected(String fileName, String header, byte[] data, long lenOverride, String... fragments) throws IOException {
        Path p = file(fileName, header, data, lenOverride);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(p));
        assertTrue(e.getMessage().contains(fileName), "message names the file: " + e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message has '" + f + "': " + e.getMessage());
    }

    static final String ONE = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void malformedFilesRejected() throws IOException {
        byte[] eight = new byte[8];
        rejected("trunc.safetensors", ONE, new byte[4], -1, "tensor x", "[0, 8)", "4 bytes");
        rejected("lies.safetensors", ONE, eight, 5000, "header length 5000");
        rejected("negative.safetensors", ONE, eight, -2L >>> 1, "header length");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(tiny)).getMessage().contains("tiny.safetensors"));
        rejected("dtype.safetensors", ONE.replace("F32", "F8_E4M3"), eight, -1, "tensor x", "unknown dtype F8_E4M3");
        rejected("notobj.safetensors", "[1,2]", eight, -1, "JSON");
        rejected("badjson.safetensors", "{\"x\":", eight, -1, "JSON");
        rejected("noshape.safetensors", "{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", eight, -1, "tensor x", "shape");
        rejected("negshape.safetensors", ONE.replace("[2]", "[-2]"), eight, -1, "tensor x", "non-negative");
        rejected("size.safetensors", ONE.replace("[2]", "[3]"), new byte[12], -1, "tensor x", "[0, 8)", "needs 12");
        rejected("range.safetensors", ONE.replace("[0,8]", "[8,16]"), eight, -1, "tensor x", "[8, 16)", "8 bytes");
        rejected("backwards.safetensors", ONE.replace("[0,8]", "[8,0]"), eight, -1, "tensor x", "[8, 0)");
        rejected("overlap.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12], -1, "overlap", "[4, 12)", "[0, 8)");
        rejected("meta.safetensors", "{\"__metadata__\":{\"a\":1}," + ONE.substring(1), eight, -1, "__metadata__");
    }
}
