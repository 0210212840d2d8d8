package org.seqmix.core;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * safetensors files: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}}}, then the data. The file is memory-mapped so only
 * the tensors read are copied to the heap. (Initial F32-only reader; extended with more dtypes and writing.)
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Reads every tensor as float32. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            long headerLen = map.getLong(0);
            if (headerLen < 2 || 8 + headerLen > size) {
                throw new IllegalArgumentException(file + ": header length " + headerLen + " exceeds file size " + size);
            }
            byte[] hb = new byte[(int) headerLen];
            map.get(8, hb);
            Map<String, Object> header = Json.parseObject(new String(hb, StandardCharsets.UTF_8));
            long base = 8 + headerLen;
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (var e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) continue;
                @SuppressWarnings("unchecked") Map<String, Object> info = (Map<String, Object>) e.getValue();
                String dtype = (String) info.get("dtype");
                List<?> shapeList = (List<?>) info.get("shape");
                List<?> offs = (List<?>) info.get("data_offsets");
                int[] shape = shapeList.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
                long begin = ((Number) offs.get(0)).longValue(), end = ((Number) offs.get(1)).longValue();
                if (!"F32".equals(dtype)) throw new IllegalArgumentException(file + ": tensor " + e.getKey() + " has unsupported dtype " + dtype);
                Tensor t = Tensor.zeros(shape);
                if (end - begin != 4L * t.numel() || base + end > size) {
                    throw new IllegalArgumentException(file + ": tensor " + e.getKey() + " offsets [" + begin + ", " + end + ") do not match shape");
                }
                map.slice((int) (base + begin), (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(t.data());
                out.put(e.getKey(), t);
            }
            return out;
        }
    }
}
