package dev.uvswap.examples.cache.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the kernel says about this process's memory: VmRSS and VmSwap, the Rss and Swap of one
 * mapping (smaps), the memory cgroup's charge, and the memory the active zram swap devices use.
 * A figure that cannot be read is -1.
 */
final class ProcMemory {
    private ProcMemory() {
    }

    /** A field of /proc/self/status, in bytes ("VmRSS", "VmSwap"). */
    static long status(String field) {
        return kib(lines(Path.of("/proc/self/status")), field + ":");
    }

    /** A field ("Rss", "Swap") of the mapping that starts at {@code address}, in bytes. */
    static long mapping(long address, String field) {
        List<String> lines = lines(Path.of("/proc/self/smaps"));
        String start = Long.toHexString(address) + "-";
        int i = 0;
        while (i < lines.size() && !lines.get(i).startsWith(start)) {
            i++;
        }
        // The mapping's fields follow its header line, up to the next mapping's header.
        for (i++; i < lines.size() && !lines.get(i).matches("^[0-9a-f]+-[0-9a-f]+ .*"); i++) {
            if (lines.get(i).startsWith(field + ":")) {
                return kib(List.of(lines.get(i)), field + ":");
            }
        }
        return -1;
    }

    /**
     * The charge of this process's memory cgroup (v2 memory.current, v1 memory.usage_in_bytes), in
     * bytes; -1 in the root cgroup or none.
     */
    static long cgroupCharge() {
        Path dir = cgroupDir();
        if (dir == null) {
            return -1;
        }
        long v2 = number(dir.resolve("memory.current"));
        return v2 >= 0 ? v2 : number(dir.resolve("memory.usage_in_bytes"));
    }

    /** Sets this process's memory cgroup limit (v2 memory.max, v1 memory.limit_in_bytes). */
    static void setCgroupLimit(long bytes) throws IOException {
        Path dir = cgroupDir();
        if (dir == null) {
            throw new IOException("not in a memory cgroup of its own");
        }
        Path v2 = dir.resolve("memory.max");
        Files.writeString(Files.exists(v2) ? v2 : dir.resolve("memory.limit_in_bytes"), Long.toString(bytes));
    }

    /** This process's memory cgroup directory, or null in the root cgroup (whose charge is the whole machine's). */
    private static Path cgroupDir() {
        for (String line : lines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length < 3 || f[2].equals("/")) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty() && Files.exists(Path.of("/sys/fs/cgroup" + f[2], "memory.current"))) {
                return Path.of("/sys/fs/cgroup" + f[2]);
            }
            if (List.of(f[1].split(",")).contains("memory")) {
                return Path.of("/sys/fs/cgroup/memory" + f[2]);
            }
        }
        return null;
    }

    /** Memory (mm_stat mem_used_total) of the zram devices swapped on, in bytes; -1 if none is. */
    static long zramUsed() {
        long sum = -1;
        for (String line : lines(Path.of("/proc/swaps"))) {
            String dev = line.split("\\s+")[0];
            if (dev.startsWith("/dev/zram")) {
                List<String> mm = lines(Path.of("/sys/block", dev.substring(5), "mm_stat"));
                if (!mm.isEmpty()) {
                    sum = Math.max(sum, 0) + Long.parseLong(mm.getFirst().trim().split("\\s+")[2]);
                }
            }
        }
        return sum;
    }

    /** A counter of /proc/vmstat ("pswpin"). */
    static long vmstat(String name) {
        for (String line : lines(Path.of("/proc/vmstat"))) {
            if (line.startsWith(name + " ")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    private static long kib(List<String> lines, String prefix) {
        for (String line : lines) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length()).trim().split("\\s+")[0]) * 1024;
            }
        }
        return -1;
    }

    private static long number(Path p) {
        List<String> l = lines(p);
        return l.isEmpty() ? -1 : Long.parseLong(l.getFirst().trim());
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }
}
