package org.seqmix.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * safetensors files: an 8-byte little-endian header length N, N bytes of JSON
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}}, then the data section
 * (offsets are relative to its start). The header is validated in full before any tensor is read; each tensor
 * is memory-mapped on its own (so files larger than 2 GiB work) and only that tensor is copied to the heap.
 * Reads F32, F16, BF16 (into float32), I32, I64, U8, BOOL; writes F32.
 */
public final class SafeTensors {
    /** Largest header accepted, as the reference implementation (100 MB). */
    static final long MAX_HEADER = 100_000_000L;

    private SafeTensors() {}

    /** The element types read. */
    public enum DType {
        F32(4), F16(2), BF16(2), I32(4), I64(8), U8(1), BOOL(1);

        public final int size;

        DType(int size) { this.size = size; }

        public boolean isFloat() { return this == F32 || this == F16 || this == BF16; }
    }

    /** One header entry: where a tensor lies in the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    /** A validated header: entries in file order, the {@code __metadata__} strings, and where the data section starts. */
    public record Header(Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {}

    /** A loaded tensor with its stored dtype: floats for F32/F16/BF16, longs for the integer and boolean types. */
    public record Array(String name, DType dtype, int[] shape, float[] floats, long[] longs) {
        /** Values as float32 (integers and booleans converted). */
        public Tensor toTensor() {
            if (floats != null) return Tensor.of(floats, shape);
            float[] f = new float[longs.length];
            for (int i = 0; i < f.length; i++) f[i] = longs[i];
            return Tensor.of(f, shape);
        }

        /** Values as ints; only for integer or boolean dtypes, each value must fit. */
        public int[] toInts() {
            if (longs == null) throw new IllegalArgumentException("tensor " + name + ": dtype " + dtype + " is not an integer type");
            int[] r = new int[longs.length];
            for (int i = 0; i < r.length; i++) {
                if (longs[i] != (int) longs[i]) throw new IllegalArgumentException("tensor " + name + ": value " + longs[i] + " does not fit int32");
                r[i] = (int) longs[i];
            }
            return r;
        }
    }

    /** Reads every tensor as float32 (integers and booleans converted). */
    public static Map<String, Tensor> read(Path file) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : readArrays(file).entrySet()) out.put(e.getKey(), e.getValue().toTensor());
        return out;
    }

    /** Reads every tensor with its dtype. */
    public static Map<String, Array> readArrays(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(file, ch);
            Map<String, Array> out = new LinkedHashMap<>();
            for (Entry e : h.entries().values()) out.put(e.name(), load(ch, h.dataStart(), e));
            return out;
        }
    }

    /** Reads and validates only the header. */
    public static Header header(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, ch);
        }
    }

    private static Header header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) throw new IllegalArgumentException(file + ": " + size + " bytes is too small for a safetensors file (needs 8-byte header length)");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
            throw new IllegalArgumentException(file + ": header length " + headerLen + " is not within the file (" + size
                    + " bytes, at most " + MAX_HEADER + " header bytes)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, 8);
        Map<String, Object> json;
        try {
            json = Json.parseObject(new String(hb.array(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(file + ": header is not a JSON object: " + ex.getMessage(), ex);
        }
        long dataStart = 8 + headerLen, dataLen = size - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var kv : json.entrySet()) {
            String name = kv.getKey();
            if (name.equals("__metadata__")) {
                if (!(kv.getValue() instanceof Map<?, ?> md)) throw new IllegalArgumentException(file + ": __metadata__ must be an object");
                for (var m : md.entrySet()) {
                    if (!(m.getValue() instanceof String s)) {
                        throw new IllegalArgumentException(file + ": __metadata__ value of " + m.getKey() + " must be a string, got " + m.getValue());
                    }
                    metadata.put((String) m.getKey(), s);
                }
                continue;
            }
            entries.put(name, entry(file, name, kv.getValue(), dataLen));
        }
        // no two tensors may share bytes: sorted by begin, each must start after the furthest end seen so far
        List<Entry> byBegin = new ArrayList<>(entries.values());
        byBegin.removeIf(e -> e.end() == e.begin());
        byBegin.sort((x, y) -> Long.compare(x.begin(), y.begin()));
        Entry far = null;
        for (Entry q : byBegin) {
            if (far != null && q.begin() < far.end()) {
                throw new IllegalArgumentException(file + ": tensor " + q.name() + " data_offsets [" + q.begin() + ", " + q.end()
                        + ") overlap tensor " + far.name() + " [" + far.begin() + ", " + far.end() + ")");
            }
            if (far == null || q.end() > far.end()) far = q;
        }
        return new Header(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata), dataStart);
    }

    private static Entry entry(Path file, String name, Object v, long dataLen) {
        String where = file + ": tensor " + name;
        if (!(v instanceof Map<?, ?> info)) throw new IllegalArgumentException(where + ": header entry must be an object, got " + v);
        for (String key : new String[] {"dtype", "shape", "data_offsets"}) {
            if (!info.containsKey(key)) throw new IllegalArgumentException(where + ": header entry has no " + key);
        }
        if (!(info.get("dtype") instanceof String ds)) throw new IllegalArgumentException(where + ": dtype must be a string");
        DType dtype;
        try {
            dtype = DType.valueOf(ds);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(where + ": unknown dtype " + ds + " (supported: " + Arrays.toString(DType.values()) + ")");
        }
        if (!(info.get("shape") instanceof List<?> sl)) throw new IllegalArgumentException(where + ": shape must be a list");
        int[] shape = new int[sl.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(sl.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(where + ": shape " + sl + " must hold non-negative integers");
            }
            shape[i] = (int) (long) d;
            numel = Math.multiplyHigh(numel, d) != 0 ? Long.MAX_VALUE : numel * d;
        }
        if (numel > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(where + ": shape " + sl + " has " + numel + " elements; at most 2^31-9 fit one tensor");
        if (!(info.get("data_offsets") instanceof List<?> ol) || ol.size() != 2
                || !(ol.get(0) instanceof Long begin) || !(ol.get(1) instanceof Long end)) {
            throw new IllegalArgumentException(where + ": data_offsets must be two integers, got " + info.get("data_offsets"));
        }
        if (begin < 0 || end < begin) throw new IllegalArgumentException(where + ": data_offsets [" + begin + ", " + end + ") are not an interval");
        if (end - begin != numel * dtype.size) {
            throw new IllegalArgumentException(where + ": data_offsets [" + begin + ", " + end + ") hold " + (end - begin) + " bytes but shape "
                    + sl + " of " + dtype + " needs " + numel * dtype.size);
        }
        if (end > dataLen) {
            throw new IllegalArgumentException(where + ": data_offsets [" + begin + ", " + end + ") lie outside the data section of " + dataLen + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    /** Largest window mapped at once: a tensor over 1 GiB is decoded window by window (a mapping is at most 2 GiB). */
    static volatile long window = 1L << 30;

    private static Array load(FileChannel ch, long dataStart, Entry e) throws IOException {
        int n = (int) e.numel();
        DType dt = e.dtype();
        float[] f = dt.isFloat() ? new float[n] : null;
        long[] l = dt.isFloat() ? null : new long[n];
        long perWindow = Math.max(1, window / dt.size);
        for (long first = 0; first < n; first += perWindow) {
            int count = (int) Math.min(perWindow, n - first);
            ByteBuffer bb = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin() + first * dt.size, (long) count * dt.size);
            decode(bb.order(ByteOrder.LITTLE_ENDIAN), dt, f, l, (int) first, count);
        }
        return new Array(e.name(), dt, e.shape(), f, l);
    }

    private static void decode(ByteBuffer bb, DType dt, float[] f, long[] l, int at, int n) {
        switch (dt) {
            case F32 -> bb.asFloatBuffer().get(f, at, n);
            case F16 -> { for (int i = 0; i < n; i++) f[at + i] = Float.float16ToFloat(bb.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) f[at + i] = Float.intBitsToFloat((bb.getShort(2 * i) & 0xffff) << 16); }
            case I32 -> { for (int i = 0; i < n; i++) l[at + i] = bb.getInt(4 * i); }
            case I64 -> bb.asLongBuffer().get(l, at, n);
            case U8 -> { for (int i = 0; i < n; i++) l[at + i] = bb.get(i) & 0xff; }
            case BOOL -> { for (int i = 0; i < n; i++) l[at + i] = bb.get(i) != 0 ? 1 : 0; }
        }
    }

    /**
     * Writes the tensors as F32 in map order, header padded with spaces to a multiple of 8 bytes as the reference
     * implementation does, so the data section is 8-aligned.
     */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (var e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("tensors: the name __metadata__ is reserved");
            long bytes = 4L * e.getValue().numel();
            if (h.length() > 1) h.append(',');
            h.append(Json.write(e.getKey())).append(":{\"dtype\":\"F32\",\"shape\":").append(Json.write(shapeList(e.getValue().shape())))
                    .append(",\"data_offsets\":[").append(off).append(',').append(off + bytes).append("]}");
            off += bytes;
        }
        h.append('}');
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (hb.length + 7) / 8 * 8;
        byte[] head = Arrays.copyOf(hb, padded);
        Arrays.fill(head, hb.length, padded, (byte) ' ');
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(head));
            for (Tensor t : tensors.values()) {
                float[] a = t.toArray();
                ByteBuffer body = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
                body.asFloatBuffer().put(a);
                writeFully(ch, body);
            }
        }
    }

    private static List<Long> shapeList(int[] shape) {
        List<Long> l = new ArrayList<>();
        for (int d : shape) l.add((long) d);
        return l;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
