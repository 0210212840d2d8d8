package org.seqmix.conformance;

import java.util.List;
import java.util.Map;
import org.seqmix.core.Tensor;

/** Runs one conformance op (or one layer class) in each of its forms. */
public interface OpRunner {
    /** Forms it has, e.g. {@code ["chunk", "recurrent"]} or {@code ["forward", "step"]}. */
    List<String> forms();

    /** Computes the outputs of the case (by output name) in the given form; may return extra outputs. */
    Map<String, Tensor> run(ConformanceCase c, String form) throws Exception;
}
