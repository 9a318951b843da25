package dev.uvswap.internal.group;

import dev.uvswap.internal.VSwapConfig;
import dev.uvswap.testing.TestCgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The default pool and zswap limits follow the process's own memory cgroup, in real cgroups:
 * a child JVM started inside one prints what it chose, and this process (outside) is the control.
 */
class MemoryBudgetTest {
    private static final long LIMIT = 256L << 20;
    private static final Pattern LINE = Pattern.compile("budget=(\\d+) heap=(\\d+) pool=(\\d+) zswap=(\\d+) source=(.*)");

    @Test
    void aCgroupLimitBoundsTheDefaults() throws Exception {
        MemoryBudget outside = MemoryBudget.ofThisProcess();
        try (TestCgroup cg = TestCgroup.create("uvswap-budget-" + ProcessHandle.current().pid(), LIMIT)) {
            Map<String, String> in = runIn(cg);
            long expected = Math.min(LIMIT, outside.bytes());
            assertEquals(expected, Long.parseLong(in.get("budget")), in.toString());
            long offHeap = offHeap(expected, in);
            assertEquals(offHeap / 2, Long.parseLong(in.get("pool")), in.toString());
            assertEquals(offHeap / 5, Long.parseLong(in.get("zswap")), in.toString());
            if (LIMIT < outside.bytes()) {
                assertTrue(in.get("source").contains(cg.dir().getFileName().toString()), in.toString());
            }
        }
    }

    /** A parent's limit binds a child cgroup that sets none (or a looser one) of its own. */
    @Test
    void theTightestAncestorWins() throws Exception {
        MemoryBudget outside = MemoryBudget.ofThisProcess();
        try (TestCgroup parent = TestCgroup.create("uvswap-budget-p-" + ProcessHandle.current().pid(), LIMIT)) {
            TestCgroup child = parent.child("inner", 4 * LIMIT);
            Map<String, String> in = runIn(child);
            assertEquals(offHeap(Math.min(LIMIT, outside.bytes()), in) / 2, Long.parseLong(in.get("pool")), in.toString());
            TestCgroup loose = parent.child("unlimited", 0);
            in = runIn(loose);
            assertEquals(offHeap(Math.min(LIMIT, outside.bytes()), in) / 2, Long.parseLong(in.get("pool")), in.toString());
        }
    }

    @Test
    void outsideAnyLimitTheBudgetIsMemTotalOrTheLimitFound() {
        MemoryBudget b = MemoryBudget.ofThisProcess();
        assertTrue(b.bytes() > 0, b.toString());
        assertEquals((b.bytes() - Runtime.getRuntime().maxMemory()) / 2, VSwapConfig.defaultPoolMaxBytes());
    }

    /** The Java heap's max comes out of the budget first (a quarter of it stays, however large the heap). */
    @Test
    void theHeapComesOutOfTheBudget() {
        MemoryBudget small = new MemoryBudget(Runtime.getRuntime().maxMemory() / 2, "test");
        assertEquals(small.bytes() / 4, small.offHeapBytes(), "a heap larger than the budget leaves a quarter");
        MemoryBudget large = new MemoryBudget(Runtime.getRuntime().maxMemory() * 8, "test");
        assertEquals(large.bytes() - Runtime.getRuntime().maxMemory(), large.offHeapBytes());
    }

    /** What the child's defaults are shares of: the budget less its heap's max, at least a quarter. */
    private static long offHeap(long budget, Map<String, String> child) {
        return Math.max(budget / 4, budget - Long.parseLong(child.get("heap")));
    }

    /**
     * cgroup v2's walk over the ancestors, on a tree laid out like /proc and /sys/fs/cgroup (this
     * machine may have no v2 memory controller to test it on for real): the tightest memory.max
     * between the process's cgroup and the mount's root wins, "max" is no limit.
     */
    @Test
    void cgroupV2WalksUpToTheTightestMemoryMax(@TempDir Path root) throws IOException {
        write(root.resolve("proc/meminfo"), "MemTotal:       24000000 kB\n");
        write(root.resolve("proc/self/cgroup"), "0::/system.slice/app.service\n");
        write(root.resolve("proc/self/mountinfo"),
                "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
        write(root.resolve("sys/fs/cgroup/system.slice/memory.max"), (2L << 30) + "\n");
        write(root.resolve("sys/fs/cgroup/system.slice/app.service/memory.max"), "max\n");
        MemoryBudget b = MemoryBudget.of(root);
        assertEquals(2L << 30, b.bytes(), b.toString());
        assertTrue(b.source().endsWith("system.slice/memory.max"), b.source());

        write(root.resolve("sys/fs/cgroup/system.slice/app.service/memory.max"), (1L << 30) + "\n");
        assertEquals(1L << 30, MemoryBudget.of(root).bytes());

        write(root.resolve("sys/fs/cgroup/system.slice/memory.max"), "max\n");
        write(root.resolve("sys/fs/cgroup/system.slice/app.service/memory.max"), "max\n");
        assertEquals(24000000L * 1024, MemoryBudget.of(root).bytes(), "no limit anywhere: MemTotal");
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static Map<String, String> runIn(TestCgroup cg) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = cg.builder(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                MemoryBudgetMain.class.getName())).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        String out = new String(p.getInputStream().readAllBytes()).strip();
        System.out.println("in " + cg.dir() + ": " + out);
        assertEquals(0, p.exitValue(), out);
        Matcher m = LINE.matcher(out.lines().reduce((a, b) -> b).orElse(""));
        assertTrue(m.matches(), out);
        return Map.of("budget", m.group(1), "heap", m.group(2), "pool", m.group(3), "zswap", m.group(4), "source", m.group(5));
    }
}
