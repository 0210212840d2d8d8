package org.seqmix.conformance;

import java.util.Map;

/** The conformance runners of one family of kernels and layers, keyed by op name or {@code "layer:" + class}. */
public interface OpFamily {
    Map<String, OpRunner> runners();
}
