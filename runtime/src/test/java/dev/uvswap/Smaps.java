package dev.uvswap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads /proc/self/smaps: how much of a mapping is mapped with transparent huge pages. */
final class Smaps {
    private Smaps() {
    }

    /** AnonHugePages in kB of the mapping that contains {@code address}, or -1 if there is none. */
    static long anonHugeKb(long address) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
            boolean in = false;
            for (String line : lines) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && isHex(line, 0, dash)) {
                    long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                    long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                    in = address >= start && address < end;
                } else if (in && line.startsWith("AnonHugePages:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** THP mode from sysfs ("always", "madvise" or "never", the bracketed one). */
    static String thpMode() {
        try {
            String s = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return s.substring(s.indexOf('[') + 1, s.indexOf(']'));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
