package org.seqmix.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files, format versions 1.0, 2.0 and 3.0. Reads {@code f4, f8, i4, i8, u1, b1}
 * (either byte order; {@code f8} and integers are converted to float for {@link Array#toTensor()}),
 * C order or Fortran order (Fortran is re-laid out to C order). Writes float32 little-endian, C order, v1.0.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** A loaded array: its NumPy dtype ({@code "f4"}, {@code "i8"}, ...), C-order shape and values as doubles-free storage. */
    public record Array(String dtype, int[] shape, float[] floats, long[] longs) {
        /** Values as a float32 tensor (integers and booleans converted). */
        public Tensor toTensor() {
            if (floats != null) return Tensor.of(floats, shape);
            float[] f = new float[longs.length];
            for (int i = 0; i < f.length; i++) f[i] = longs[i];
            return Tensor.of(f, shape);
        }

        /** Values as ints; only for integer or boolean dtypes. */
        public int[] toInts() {
            if (longs == null) throw new IllegalArgumentException("npy dtype " + dtype + " is not an integer type");
            int[] r = new int[longs.length];
            for (int i = 0; i < r.length; i++) {
                if (longs[i] != (int) longs[i]) throw new IllegalArgumentException("npy value " + longs[i] + " does not fit int32");
                r[i] = (int) longs[i];
            }
            return r;
        }
    }

    public static Tensor readTensor(Path file) throws IOException {
        return read(file).toTensor();
    }

    public static Array read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Parses an in-memory .npy image; {@code name} is used in error messages. */
    public static Array read(byte[] bytes, String name) {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IllegalArgumentException(name + ": not a .npy file (bad magic)");
        }
        int major = bytes[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen, headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) throw new IllegalArgumentException(name + ": truncated .npy header");
            long hl = bb.getInt(8) & 0xffffffffL;
            if (hl > bytes.length) throw new IllegalArgumentException(name + ": header length " + hl + " exceeds file size " + bytes.length);
            headerLen = (int) hl;
            headerStart = 12;
        } else {
            throw new IllegalArgumentException(name + ": unsupported .npy format version " + major);
        }
        if (headerStart + headerLen > bytes.length) {
            throw new IllegalArgumentException(name + ": header length " + headerLen + " exceeds file size " + bytes.length);
        }
        String header = new String(bytes, headerStart, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr", name);
        boolean fortran = group(FORTRAN, header, "fortran_order", name).equals("True");
        int[] shape = parseShape(group(SHAPE, header, "shape", name), name);
        long n = Shapes.numel(name + " shape", shape);

        if (descr.length() < 3) throw new IllegalArgumentException(name + ": unknown dtype '" + descr + "'");
        char order = descr.charAt(0);
        String type = descr.substring(1);
        ByteOrder bo = switch (order) {
            case '<', '|' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            default -> throw new IllegalArgumentException(name + ": unknown dtype '" + descr + "'");
        };
        int width = switch (type) {
            case "f4", "i4" -> 4;
            case "f8", "i8" -> 8;
            case "u1", "b1" -> 1;
            default -> throw new IllegalArgumentException(name + ": unsupported dtype '" + descr + "' (supported: f4, f8, i4, i8, u1, b1)");
        };
        int dataStart = headerStart + headerLen;
        long need = n * width;
        if (bytes.length - dataStart != need) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " of " + descr + " needs " + need
                    + " data bytes, file has " + (bytes.length - dataStart) + (bytes.length - dataStart < need ? " (truncated)" : ""));
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) need).slice().order(bo);
        float[] floats = null;
        long[] longs = null;
        int count = (int) n;
        switch (type) {
            case "f4" -> { floats = new float[count]; data.asFloatBuffer().get(floats); }
            case "f8" -> { floats = new float[count]; for (int i = 0; i < count; i++) floats[i] = (float) data.getDouble(i * 8); }
            case "i4" -> { longs = new long[count]; for (int i = 0; i < count; i++) longs[i] = data.getInt(i * 4); }
            case "i8" -> { longs = new long[count]; data.asLongBuffer().get(longs); }
            case "u1" -> { longs = new long[count]; for (int i = 0; i < count; i++) longs[i] = data.get(i) & 0xff; }
            default -> { longs = new long[count]; for (int i = 0; i < count; i++) longs[i] = data.get(i) != 0 ? 1 : 0; }
        }
        if (fortran && shape.length > 1) {
            if (floats != null) floats = fortranToC(floats, shape);
            else longs = fortranToC(longs, shape);
        }
        return new Array(type, shape, floats, longs);
    }

    private static String group(Pattern p, String header, String key, String name) {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IllegalArgumentException(name + ": .npy header has no '" + key + "': " + header.trim());
        return m.group(1);
    }

    private static int[] parseShape(String s, String name) {
        List<Integer> dims = new ArrayList<>();
        for (String part : s.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) continue;
            try {
                long d = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
                if (d < 0 || d > Integer.MAX_VALUE) throw new NumberFormatException();
                dims.add((int) d);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": bad shape entry '" + t + "' in .npy header");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int cIndexOfFortran(int f, int[] shape) {
        int c = 0, stride = 1;
        int[] idx = new int[shape.length];
        for (int d = 0; d < shape.length; d++) {
            idx[d] = f % shape[d];
            f /= shape[d];
        }
        for (int d = shape.length - 1; d >= 0; d--) {
            c += idx[d] * stride;
            stride *= shape[d];
        }
        return c;
    }

    private static float[] fortranToC(float[] src, int[] shape) {
        float[] dst = new float[src.length];
        for (int f = 0; f < src.length; f++) dst[cIndexOfFortran(f, shape)] = src[f];
        return dst;
    }

    private static long[] fortranToC(long[] src, int[] shape) {
        long[] dst = new long[src.length];
        for (int f = 0; f < src.length; f++) dst[cIndexOfFortran(f, shape)] = src[f];
        return dst;
    }

    /** Writes {@code t} as little-endian float32, C order, format 1.0 (2.0 when the header needs it). */
    public static void write(Path file, Tensor t) throws IOException {
        Files.write(file, toBytes(t));
    }

    /** Writes int32 values (e.g. {@code cu_seqlens}). */
    public static void writeInts(Path file, int[] values, int... shape) throws IOException {
        if (Shapes.numel("shape", shape) != values.length) {
            throw new IllegalArgumentException("values: " + values.length + " elements do not match shape " + Arrays.toString(shape));
        }
        ByteBuffer body = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asIntBuffer().put(values);
        Files.write(file, image("<i4", shape, body.array()));
    }

    public static byte[] toBytes(Tensor t) {
        float[] a = t.toArray();
        ByteBuffer body = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(a);
        return image("<f4", t.shape(), body.array());
    }

    private static byte[] image(String descr, int[] shape, byte[] body) {
        StringBuilder sh = new StringBuilder("(");
        for (int d : shape) sh.append(d).append(", ");
        if (shape.length > 1) sh.setLength(sh.length() - 2);
        else if (shape.length == 1) sh.setLength(sh.length() - 1);
        sh.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + sh + ", }";
        boolean v2 = dict.length() + 12 > 65535;
        int pre = v2 ? 12 : 10;
        int total = pre + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        byte[] head = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(pre + head.length + body.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (v2 ? 2 : 1)).put((byte) 0);
        if (v2) out.putInt(head.length); else out.putShort((short) head.length);
        out.put(head).put(body);
        return out.array();
    }
}
