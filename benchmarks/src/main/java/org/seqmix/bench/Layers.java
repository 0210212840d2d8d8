package org.seqmix.bench;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.seqmix.layers.SequenceMixer;

/**
 * Finds layers by class name in {@code org.seqmix.layers} and builds them through their
 * {@code public static <Layer> demo(long seed)} factory (or {@code demo(long seed, int maxPositions)} for layers
 * whose decoding cache has a fixed capacity, when a benchmark needs a given context). As a main it prints the comma-separated names among
 * its arguments (or {@link #KNOWN}) whose class loads with such a factory, so benchmarks/run passes only those
 * to {@code LayerBench} and absent layers are skipped cleanly.
 */
public final class Layers {
    /** Every layer the design names; any subset may exist in a given build. */
    public static final List<String> KNOWN = List.of(
            "GatedDeltaNet", "Mamba2", "Mamba", "LinearAttention", "GLA", "LightningAttention", "KDA",
            "SlidingWindowAttention", "BlockSparseAttention", "MultiHeadAttention");

    private Layers() {}

    /** The {@code demo(long)} factory of {@code org.seqmix.layers.<name>}, or null when absent or unusable. */
    static Method factory(String name) {
        try {
            Class<?> c = Class.forName("org.seqmix.layers." + name);
            Method m = c.getMethod("demo", long.class);
            boolean ok = Modifier.isStatic(m.getModifiers()) && SequenceMixer.class.isAssignableFrom(m.getReturnType());
            return ok ? m : null;
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return null;
        }
    }

    /** Builds the demo layer; IllegalArgumentException naming the layer when it is not available. */
    public static SequenceMixer demo(String name, long seed) {
        Method m = factory(name);
        if (m == null) {
            throw new IllegalArgumentException("layer: no class org.seqmix.layers." + name
                    + " with public static demo(long) returning a SequenceMixer");
        }
        try {
            return (SequenceMixer) m.invoke(null, seed);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("layer " + name + ": demo(" + seed + ") failed", e.getCause() != null ? e.getCause() : e);
        }
    }

    /**
     * The demo layer with room for {@code maxPositions} decoded tokens: through {@code demo(long, int)} when the
     * class has one (growing KV caches of fixed capacity), else {@link #demo(String, long)} (constant-size state).
     */
    public static SequenceMixer demo(String name, long seed, int maxPositions) {
        Method m;
        try {
            m = Class.forName("org.seqmix.layers." + name).getMethod("demo", long.class, int.class);
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return demo(name, seed);
        }
        if (!Modifier.isStatic(m.getModifiers()) || !SequenceMixer.class.isAssignableFrom(m.getReturnType())) return demo(name, seed);
        try {
            return (SequenceMixer) m.invoke(null, seed, maxPositions);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("layer " + name + ": demo(" + seed + ", " + maxPositions + ") failed", e.getCause() != null ? e.getCause() : e);
        }
    }

    /** The names among {@code candidates} whose class loads with a demo factory, in order. */
    public static List<String> available(List<String> candidates) {
        List<String> out = new ArrayList<>();
        for (String n : candidates) if (factory(n) != null) out.add(n);
        return out;
    }

    public static void main(String[] args) {
        List<String> candidates = args.length == 0 ? KNOWN : Arrays.asList(String.join(",", args).split(","));
        System.out.println(String.join(",", available(candidates)));
    }
}
