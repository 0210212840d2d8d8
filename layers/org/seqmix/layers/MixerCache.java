package org.seqmix.layers;

/** The decoding state of one {@link SequenceMixer} for a batch: constant size for the recurrent families. */
public interface MixerCache {
    int batch();

    /** Number of tokens seen so far. */
    long tokens();

    /** Bytes held by the state (what a server must keep per layer). */
    long bytes();

    /** Back to the empty state. */
    void reset();
}
