package org.seqmix.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.seqmix.core.Json;
import org.seqmix.core.Npy;
import org.seqmix.core.Tensor;

/** One case folder: {@code case.json} plus its {@code .npy} files, read lazily and checked against the declared shapes. */
public final class ConformanceCase {
    private final Path dir;
    private final Map<String, Object> json;
    private final Map<String, Npy.Array> cache = new HashMap<>();

    private ConformanceCase(Path dir, Map<String, Object> json) {
        this.dir = dir;
        this.json = json;
    }

    public static ConformanceCase load(Path dir) throws IOException {
        Path f = dir.resolve("case.json");
        Map<String, Object> j = Json.parseObject(Files.readString(f));
        for (String key : List.of("op", "tolerance_rel_l2", "inputs", "outputs")) {
            if (!j.containsKey(key)) throw new IllegalArgumentException(f + ": missing \"" + key + "\"");
        }
        return new ConformanceCase(dir, j);
    }

    public Path dir() { return dir; }
    public String name() { return dir.getFileName().toString(); }
    public String op() { return (String) json.get("op"); }
    public double tolerance() { return ((Number) json.get("tolerance_rel_l2")).doubleValue(); }

    /** For {@code op == "layer"}: the class name, e.g. "GatedDeltaNet". */
    public String layer() { return (String) json.get("layer"); }

    /** The registry key: the op, or {@code "layer:" + layer()}. */
    public String key() { return "layer".equals(op()) ? "layer:" + layer() : op(); }

    @SuppressWarnings("unchecked")
    private Map<String, Object> section(String name) {
        Object o = json.get(name);
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    public Map<String, Object> params() { return section("params"); }
    public Map<String, Object> config() { return section("config"); }

    /** The weights file of a layer case. */
    public Path weightsFile() {
        return dir.resolve((String) section("weights").get("file"));
    }

    public List<String> outputNames() { return List.copyOf(section("outputs").keySet()); }
    public boolean hasInput(String name) { return section("inputs").containsKey(name); }

    public double param(String name, double dflt) {
        Object o = params().get(name);
        return o == null ? dflt : ((Number) o).doubleValue();
    }

    public boolean param(String name, boolean dflt) {
        Object o = params().get(name);
        return o == null ? dflt : (Boolean) o;
    }

    /** An int param or {@code dflt} when absent or null. */
    public int paramInt(String name, int dflt) {
        Object o = params().get(name);
        return o == null ? dflt : ((Number) o).intValue();
    }

    public String paramString(String name, String dflt) {
        Object o = params().get(name);
        return o == null ? dflt : o.toString();
    }

    /** An input tensor (float), or null when the case does not give it. */
    public Tensor input(String name) throws IOException {
        return hasInput(name) ? array("inputs", name).toTensor() : null;
    }

    /** An integer input (e.g. cu_seqlens), or null. */
    public int[] inputInts(String name) throws IOException {
        return hasInput(name) ? array("inputs", name).toInts() : null;
    }

    public Tensor expected(String name) throws IOException {
        return array("outputs", name).toTensor();
    }

    @SuppressWarnings("unchecked")
    private Npy.Array array(String sectionName, String name) throws IOException {
        String key = sectionName + "/" + name;
        Npy.Array a = cache.get(key);
        if (a != null) return a;
        Map<String, Object> spec = (Map<String, Object>) section(sectionName).get(name);
        Path f = dir.resolve((String) spec.get("file"));
        if (!Files.exists(f)) throw new IllegalArgumentException(name() + ": missing file " + f.getFileName() + " for " + key);
        a = Npy.read(f);
        int[] declared = ((List<Object>) spec.get("shape")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        if (!Arrays.equals(declared, a.shape())) {
            throw new IllegalArgumentException(name() + ": " + f.getFileName() + " has shape " + Arrays.toString(a.shape())
                    + " but case.json declares " + Arrays.toString(declared));
        }
        cache.put(key, a);
        return a;
    }
}
