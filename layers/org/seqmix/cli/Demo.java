package org.seqmix.cli;

/** {@code seqmix demo}: placeholder until the layers land. */
final class Demo {
    private Demo() {}

    static void run(String[] args) {
        System.out.println("no layers yet");
    }
}
