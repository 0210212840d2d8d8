package org.seqmix.kernels.linear;

import org.seqmix.core.Tensor;

/**
 * Result of a whole-sequence linear-attention call: {@code o [B,T,H,V]}, {@code finalState [N,H,K,V]} (null unless
 * requested) and, for normalized linear attention, the running key sum {@code keySum [N,H,K]} (null otherwise).
 */
public record GlaOutput(Tensor o, Tensor finalState, Tensor keySum) {}
