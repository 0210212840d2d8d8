package org.seqmix.kernels;

import java.util.logging.Logger;

/**
 * Picks the {@link VectorOps} implementation once per JVM, in the manner of Lucene's
 * {@code VectorizationProvider}: the Panama one when the {@code jdk.incubator.vector} module is in the boot
 * layer (and {@code -Dseqmix.vectorization=scalar} is not set), otherwise the scalar floor. Logs one line.
 */
public final class VectorizationProvider {
    private static final Logger LOG = Logger.getLogger("org.seqmix");
    private static final VectorOps OPS = choose();

    private VectorizationProvider() {}

    /** The active implementation. */
    public static VectorOps ops() {
        return OPS;
    }

    /** True when the Panama implementation is active. */
    public static boolean simd() {
        return !(OPS instanceof ScalarVectorOps);
    }

    /** Whether the incubator module is in the boot layer of this JVM. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static VectorOps choose() {
        String forced = System.getProperty("seqmix.vectorization", "");
        if (forced.equals("scalar")) {
            LOG.info("seqmix: scalar kernels (forced by -Dseqmix.vectorization=scalar)");
            return new ScalarVectorOps();
        }
        if (!vectorModulePresent()) {
            LOG.info("seqmix: scalar kernels; add --add-modules jdk.incubator.vector to the java command for SIMD kernels");
            return new ScalarVectorOps();
        }
        try {
            VectorOps ops = (VectorOps) Class.forName("org.seqmix.kernels.PanamaVectorOps").getDeclaredConstructor().newInstance();
            LOG.info("seqmix: SIMD kernels, " + ops.name());
            return ops;
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warning("seqmix: scalar kernels; the Panama kernels failed to load: " + e);
            return new ScalarVectorOps();
        }
    }

    /** Both implementations, for tests that compare them (Panama only when the module is present). */
    public static VectorOps scalar() {
        return new ScalarVectorOps();
    }

    /**
     * The Panama implementation {@code panamaClass} of a kernel interface (a class that references
     * jdk.incubator.vector, so it is loaded by name only when the module is present), or null when the module is
     * absent or the class fails to load (logged).
     */
    public static <T> T panama(Class<T> type, String panamaClass) {
        if (!vectorModulePresent()) return null;
        try {
            var constructor = Class.forName(panamaClass).getDeclaredConstructor();
            constructor.setAccessible(true);   // the Panama classes are package-private beside their interface
            return type.cast(constructor.newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warning("seqmix: scalar " + type.getSimpleName() + "; " + panamaClass + " failed to load: " + e);
            return null;
        }
    }

    /** The kernel to use: {@link #panama} unless {@code -Dseqmix.vectorization=scalar} or it is unavailable, else {@code scalar}. */
    public static <T> T kernel(Class<T> type, String panamaClass, java.util.function.Supplier<T> scalar) {
        T p = "scalar".equals(System.getProperty("seqmix.vectorization", "")) ? null : panama(type, panamaClass);
        return p != null ? p : scalar.get();
    }
}
