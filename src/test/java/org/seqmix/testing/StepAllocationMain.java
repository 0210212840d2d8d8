package org.seqmix.testing;

import java.lang.reflect.Method;
import org.seqmix.core.Tensor;
import org.seqmix.layers.MixerCache;
import org.seqmix.layers.SequenceMixer;

/**
 * Child-JVM probe for {@link Allocations#bytesPerCallInFreshJvm}: calls the static no-argument factory method
 * {@code CLASS#METHOD}, which returns either a {@code Runnable} (one step) or a layer (stepped with a cache),
 * runs it to steady state and prints the bytes allocated per call.
 */
public final class StepAllocationMain {
    private StepAllocationMain() {}

    public static void main(String[] args) throws Exception {
        Class<?> c = Class.forName(args[0]);
        Method m = c.getDeclaredMethod(args[1]);
        m.setAccessible(true);
        Object made = m.invoke(null);
        if (made instanceof Runnable call) {
            System.out.println("bytes_per_step=" + Allocations.steadyStateBytesPerCall(call));
            return;
        }
        SequenceMixer layer = (SequenceMixer) made;
        MixerCache cache = layer.newCache(2);
        int d = layer.hiddenSize();
        Tensor x = Tensor.full(0.1f, 2, d), y = Tensor.zeros(2, d);
        long[] calls = {0};
        double bytes = Allocations.steadyStateBytesPerCall(() -> {
            if (++calls[0] % 1000 == 0) cache.reset(); // growing KV caches stay within capacity
            layer.step(x, cache, y);
        });
        System.out.println("bytes_per_step=" + bytes);
    }
}
