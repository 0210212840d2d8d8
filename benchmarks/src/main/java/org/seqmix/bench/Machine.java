package org.seqmix.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The report header's machine line: {@code lscpu}'s model name and core count, /proc/cpuinfo as a fallback. */
final class Machine {
    private Machine() {}

    static String cpuModel() {
        String v = lscpu("Model name");
        if (v == null) v = cpuinfo("model name");
        return v == null ? System.getProperty("os.arch") : v;
    }

    static String cores() {
        String cpus = lscpu("CPU(s)");
        String perSocket = lscpu("Core(s) per socket");
        String threads = lscpu("Thread(s) per core");
        StringBuilder b = new StringBuilder();
        b.append(cpus != null ? cpus : String.valueOf(Runtime.getRuntime().availableProcessors())).append(" CPUs");
        if (perSocket != null) b.append(" (").append(perSocket).append(" cores/socket, ").append(threads).append(" threads/core)");
        return b.toString();
    }

    private static String lscpu(String key) {
        try {
            Process p = new ProcessBuilder("lscpu").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return field(text, key);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String cpuinfo(String key) {
        try {
            return field(Files.readString(Path.of("/proc/cpuinfo")), key);
        } catch (IOException e) {
            return null;
        }
    }

    private static String field(String text, String key) {
        for (String line : text.split("\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equals(key)) return line.substring(c + 1).trim();
        }
        return null;
    }
}
