package org.seqmix.layers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.seqmix.core.SafeTensors;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;

/** Named weight tensors (a state_dict) with checked look-ups, under the peers' parameter names. */
public final class Weights {
    private final Map<String, Tensor> tensors;
    private final String prefix;

    public Weights(Map<String, Tensor> tensors) {
        this(tensors, "");
    }

    private Weights(Map<String, Tensor> tensors, String prefix) {
        this.tensors = tensors;
        this.prefix = prefix;
    }

    public static Weights load(Path safetensors) throws IOException {
        return new Weights(SafeTensors.read(safetensors));
    }

    /** A view of the names under {@code prefix + "."}, e.g. {@code "model.layers.0.linear_attn"}. */
    public Weights under(String p) {
        return new Weights(tensors, prefix + p + ".");
    }

    public boolean has(String name) {
        return tensors.containsKey(prefix + name);
    }

    /** The tensor called {@code name} with the expected shape ({@link Shapes#ANY} allowed). */
    public Tensor get(String name, int... shape) {
        Tensor t = tensors.get(prefix + name);
        if (t == null) {
            throw new IllegalArgumentException("weights: missing tensor '" + prefix + name + "' of shape " + Arrays.toString(shape)
                    + "; present: " + tensors.keySet());
        }
        Shapes.check(prefix + name, t, shape);
        return t.contiguous();
    }

    /** As {@link #get} but null when absent. */
    public Tensor optional(String name, int... shape) {
        return has(name) ? get(name, shape) : null;
    }

    public Map<String, Tensor> asMap() {
        return new LinkedHashMap<>(tensors);
    }
}
