package org.seqmix.kernels.deltarule;

import org.seqmix.core.Tensor;

/** Output {@code o [B, T, HV, V]} and, when asked for, {@code finalState [N, HV, K, V]} (else null). */
public record DeltaRuleOutput(Tensor o, Tensor finalState) {}
