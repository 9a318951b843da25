package dev.uvswap.internal.group;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The memory this process may use: the host's MemTotal, or less when the process's own memory
 * cgroup (or one of its ancestors) sets a tighter limit, as in a container. The defaults of
 * {@link VSwapConfig} are shares of it, so a JVM in a 2 GiB container does not plan a pool for
 * the host's 24 GiB.
 *
 * <p>cgroup v2: {@code memory.max} of the process's cgroup ({@code 0::/path} in
 * {@code /proc/self/cgroup}) and of every ancestor up to the mount's root, the smallest wins.
 * cgroup v1: the {@code hierarchical_memory_limit} line of the memory controller's
 * {@code memory.stat}, which is already the tightest over the ancestors, and the cgroup's own
 * {@code memory.limit_in_bytes}. Mount points come from {@code /proc/self/mountinfo}, so a
 * container's cgroup namespace (path {@code /} at its own root) reads its own limit.
 *
 * @param bytes  the budget: the smallest of MemTotal and every limit found
 * @param source where it came from, for a log line ("cgroup v2 /sys/fs/cgroup/app/memory.max")
 */
public record MemoryBudget(long bytes, String source) {

    /**
     * What off-heap data may use: the budget less the Java heap's maximum, which the same limit
     * must hold (a JVM in a 1 GiB container with a 256 MiB heap has 768 MiB for everything else),
     * and never less than a quarter of the budget.
     */
    public long offHeapBytes() {
        return Math.max(bytes / 4, bytes - Runtime.getRuntime().maxMemory());
    }

    /** v1 writes "no limit" as the largest page-aligned long, v2 as "max". */
    private static final long V1_UNLIMITED = Long.MAX_VALUE & ~0xFFFL;

    /** The budget of the calling process, read now (the files are small; nothing is cached). */
    public static MemoryBudget ofThisProcess() {
        return of(Path.of("/"));
    }

    /** As {@link #ofThisProcess()} with {@code /proc} and the mount points read under {@code root} (a test's fake tree). */
    static MemoryBudget of(Path root) {
        long memTotal = memTotal(root.resolve("proc/meminfo"));
        MemoryBudget best = new MemoryBudget(memTotal, "MemTotal in /proc/meminfo");
        List<String> cgroups = lines(root.resolve("proc/self/cgroup"));
        List<String> mounts = lines(root.resolve("proc/self/mountinfo"));
        for (MemoryBudget limit : List.of(v2Limit(root, cgroups, mounts), v1Limit(root, cgroups, mounts)).stream()
                .flatMap(Optional::stream).toList()) {
            if (limit.bytes() < best.bytes()) {
                best = limit;
            }
        }
        return best;
    }

    /** The tightest memory.max from the process's v2 cgroup up to the mount's root. */
    private static Optional<MemoryBudget> v2Limit(Path root, List<String> cgroups, List<String> mounts) {
        String path = cgroups.stream().filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst().orElse(null);
        Mount mount = mount(root, mounts, "cgroup2", null);
        if (path == null || mount == null) {
            return Optional.empty();
        }
        MemoryBudget best = null;
        for (Path dir = mount.dirFor(path); dir != null && dir.startsWith(mount.point()); dir = dir.getParent()) {
            Path file = dir.resolve("memory.max");
            long limit = readLimit(file);
            if (limit > 0 && (best == null || limit < best.bytes())) {
                best = new MemoryBudget(limit, "cgroup v2 " + file);
            }
        }
        return Optional.ofNullable(best);
    }

    /** The v1 memory controller's limit for the process's cgroup, ancestors included. */
    private static Optional<MemoryBudget> v1Limit(Path root, List<String> cgroups, List<String> mounts) {
        String path = null;
        for (String l : cgroups) {
            String[] f = l.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                path = f[2];
            }
        }
        Mount mount = mount(root, mounts, "cgroup", "memory");
        if (path == null || mount == null) {
            return Optional.empty();
        }
        Path dir = mount.dirFor(path);
        MemoryBudget best = null;
        Path own = dir.resolve("memory.limit_in_bytes");
        long limit = readLimit(own);
        if (limit > 0) {
            best = new MemoryBudget(limit, "cgroup v1 " + own);
        }
        Path stat = dir.resolve("memory.stat");
        for (String l : lines(stat)) {
            if (l.startsWith("hierarchical_memory_limit ")) {
                long h = parseLimit(l.substring(l.indexOf(' ') + 1));
                if (h > 0 && (best == null || h < best.bytes())) {
                    best = new MemoryBudget(h, "cgroup v1 " + stat + " hierarchical_memory_limit");
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** A cgroup mount: where it is, and which cgroup path its root shows (not "/" for a bind mount of a subtree). */
    private record Mount(Path point, String root) {
        Path dirFor(String cgroupPath) {
            String rel = cgroupPath;
            if (!root.equals("/") && (rel.equals(root) || rel.startsWith(root + "/"))) {
                rel = rel.substring(root.length());
            }
            rel = rel.replaceFirst("^/+", "");
            return rel.isEmpty() ? point : point.resolve(rel);
        }
    }

    /** The first mount of {@code fsType} (whose super options list {@code option}, when given). */
    private static Mount mount(Path root, List<String> mountinfo, String fsType, String option) {
        for (String line : mountinfo) {
            // id parent major:minor root mount-point options [optional...] - fstype source super-options
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 6 || dash < 0 || dash + 1 >= f.length) {
                continue;
            }
            if (!f[dash + 1].equals(fsType)) {
                continue;
            }
            if (option != null && (dash + 3 >= f.length || !List.of(f[dash + 3].split(",")).contains(option))) {
                continue;
            }
            return new Mount(root.resolve(unescape(f[4]).replaceFirst("^/+", "")), unescape(f[3]));
        }
        return null;
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ");
    }

    /** A limit file's value in bytes, or 0 when it says there is none or cannot be read. */
    private static long readLimit(Path file) {
        List<String> l = lines(file);
        return l.isEmpty() ? 0 : parseLimit(l.getFirst());
    }

    private static long parseLimit(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.equals("max")) {
            return 0;
        }
        try {
            long v = Long.parseLong(t);
            return v >= V1_UNLIMITED ? 0 : v;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long memTotal(Path meminfo) {
        for (String line : lines(meminfo)) {
            if (line.startsWith("MemTotal:")) {
                try {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        return 8L << 30;   // no /proc/meminfo: a fixed guess rather than no default at all
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
