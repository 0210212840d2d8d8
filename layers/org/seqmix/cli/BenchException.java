package org.seqmix.cli;

/** A rejected {@code seqmix bench} command line: one line naming the option; exit code 2, nothing timed. */
final class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message, null, false, false);
    }

    /** {@code --name: message}. */
    static BenchException option(String name, String message) {
        return new BenchException("--" + name + ": " + message);
    }
}
