package org.seqmix.cli;

import java.util.Map;

/**
 * One prepared benchmark: the call to time (inputs, outputs and state allocated beforehand), the flop count of the
 * algorithm it runs, the kernel form that runs, and the resolved shape fields to print.
 */
record BenchCase(Runnable call, double flops, String kernel, Map<String, Object> fields) {}
