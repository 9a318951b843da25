package dev.uvswap.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The memory this process may use, as the demo reports it: the host's MemTotal, or its memory
 * cgroup's limit when tighter (v2: the tightest {@code memory.max} from its cgroup up to the root;
 * v1: {@code hierarchical_memory_limit}), and the cgroup's peak usage so far. A small reader of
 * its own: examples use only uvswap's public API.
 *
 * @param bytes  the limit in bytes
 * @param cgroup the cgroup directory whose limit it is, or empty when it is MemTotal
 */
record MemoryLimit(long bytes, Optional<Path> cgroup) {
    private static final Path V2 = Path.of("/sys/fs/cgroup");
    private static final Path V1_MEMORY = Path.of("/sys/fs/cgroup/memory");

    static MemoryLimit ofThisProcess() {
        MemoryLimit best = new MemoryLimit(memTotal(), Optional.empty());
        for (String line : lines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[0].equals("0") && Files.exists(V2.resolve("cgroup.controllers"))) {
                for (Path d = V2.resolve(f[2].substring(1)); d != null && d.startsWith(V2); d = d.getParent()) {
                    long limit = number(d.resolve("memory.max"));
                    if (limit > 0 && limit < best.bytes()) {
                        best = new MemoryLimit(limit, Optional.of(d));
                    }
                }
            } else if (List.of(f[1].split(",")).contains("memory")) {
                Path d = V1_MEMORY.resolve(f[2].substring(1));
                for (String stat : lines(d.resolve("memory.stat"))) {
                    if (stat.startsWith("hierarchical_memory_limit ")) {
                        long limit = parse(stat.substring(stat.indexOf(' ') + 1));
                        if (limit > 0 && limit < best.bytes()) {
                            best = new MemoryLimit(limit, Optional.of(d));
                        }
                    }
                }
            }
        }
        return best;
    }

    /** The process's own cgroup's peak memory use (v2 memory.peak, v1 memory.max_usage_in_bytes), or -1. */
    static long cgroupPeakBytes() {
        for (String line : lines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            long peak = f[0].equals("0") ? number(V2.resolve(f[2].substring(1)).resolve("memory.peak"))
                    : List.of(f[1].split(",")).contains("memory")
                    ? number(V1_MEMORY.resolve(f[2].substring(1)).resolve("memory.max_usage_in_bytes")) : 0;
            if (peak > 0) {
                return peak;
            }
        }
        return -1;
    }

    /** The process's peak resident set (VmHWM), the pool and the group's pages included, or -1. */
    static long peakRssBytes() {
        for (String line : lines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static long memTotal() {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 8L << 30;
    }

    private static long number(Path file) {
        List<String> l = lines(file);
        return l.isEmpty() ? 0 : parse(l.getFirst());
    }

    /** A limit file's number; "max" and v1's near-2^63 "unlimited" are 0. */
    private static long parse(String s) {
        try {
            long v = Long.parseLong(s.trim());
            return v >= (Long.MAX_VALUE & ~0xFFFL) ? 0 : v;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
