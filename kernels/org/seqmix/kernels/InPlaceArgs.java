package org.seqmix.kernels;

import java.util.Arrays;
import org.seqmix.core.Shapes;
import org.seqmix.core.Tensor;

/**
 * The checks every in-place entry makes on the caller's state and output after their shapes: both contiguous, no
 * storage shared between them or with an input (the kernels read inputs while they write), the state finite. A
 * failure throws IllegalArgumentException naming the argument, before anything is written.
 */
public final class InPlaceArgs {
    private InPlaceArgs() {}

    /** {@code inputs[i]} is named {@code names[i]}; null inputs are skipped. */
    public static void check(Tensor state, String outName, Tensor out, String[] names, Tensor... inputs) {
        check("state", state, outName, out, names, inputs);
    }

    /**
     * As above for a state named {@code stateName}. A call that updates a second state (normalized linear attention's
     * key sum) checks it with this, the first state passed among the inputs.
     */
    public static void check(String stateName, Tensor state, String outName, Tensor out, String[] names, Tensor... inputs) {
        // messages are built only on failure: a serving loop calls this per request
        if (!state.isContiguous()) fail(stateName + ": expected a contiguous tensor, got strides " + Arrays.toString(state.strides()));
        if (!out.isContiguous()) fail(outName + ": expected a contiguous tensor, got strides " + Arrays.toString(out.strides()));
        if (state.data() == out.data()) fail(outName + ": must not share storage with " + stateName);
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) continue;
            if (inputs[i].data() == state.data()) fail(stateName + ": must not share storage with " + names[i]);
            if (inputs[i].data() == out.data()) fail(outName + ": must not share storage with " + names[i]);
        }
        // the vectorised pass first; the exact loop names the element
        if (!ValueRange.within(state.data(), state.offset(), state.numel(), -Float.MAX_VALUE, Float.MAX_VALUE)) {
            Shapes.allFinite(stateName, state);
        }
    }

    private static void fail(String message) {
        throw new IllegalArgumentException(message);
    }
}
