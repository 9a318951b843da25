package dev.uvswap.internal.observe;

import dev.uvswap.Compressor;
import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.SwapFileEvent;
import dev.uvswap.VSwap;
import dev.uvswap.internal.VSwapConfig;
import dev.uvswap.internal.fault.Userfaultfd;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * What an operator sees of one VSwap: its log lines on logger {@code dev.uvswap}, its MBeans and
 * its JFR events. The VSwap tells it the rare moments (start, a group created, a swap file added,
 * a group stuck, close); everything periodic is read from the counters by JFR's periodic thread
 * only while a recording wants it, so nothing here runs on a fault or a pageOut.
 */
public final class Observed implements AutoCloseable {
    static final System.Logger LOG = System.getLogger("dev.uvswap");
    /** A warning that repeats (no space on every write, a group stuck again) is logged at most this often. */
    private static final long REPEAT_LOG_INTERVAL_NANOS = 10_000_000_000L;

    /**
     * What the observers read of a VSwap. {@code histograms} answers null once the VSwap is
     * closed; {@code held} and {@code stuck} tell a group's reclaim state.
     */
    public record Source(VSwap vswap, Supplier<FaultHistograms.Snapshot> histograms,
                         Predicate<MemoryGroup> held, Predicate<MemoryGroup> stuck) { }

    private final String name;
    private volatile Source source;
    private volatile boolean closed;
    private final List<MemoryGroup> groups = new CopyOnWriteArrayList<>();
    private final Map<MemoryGroup, Boolean> stuck = new ConcurrentHashMap<>();
    private final Map<String, Long> fileLoggedAt = new ConcurrentHashMap<>();
    /** A group whose reclaim keeps failing and succeeding is warned about at most every 10 s. */
    private final Map<MemoryGroup, Long> stuckLoggedAt = new ConcurrentHashMap<>();
    private final Jmx jmx;

    /** Sampler state (JFR's periodic thread): the previous reads, for per-period deltas. */
    FaultHistograms.Snapshot latencyBase = FaultHistograms.Snapshot.ZERO;
    FaultHistograms.Snapshot slowBase = FaultHistograms.Snapshot.ZERO;
    final Map<MemoryGroup, MemoryGroup.Events> overLimitBase = new ConcurrentHashMap<>();

    public Observed(String name) {
        this.name = name;
        this.jmx = new Jmx(name);
    }

    public String name() {
        return name;
    }

    Source source() {
        return source;
    }

    List<MemoryGroup> groups() {
        return groups;
    }

    boolean isClosed() {
        return closed;
    }

    /** The VSwap is up: logs how it runs, registers its MBean and joins the JFR sampler. Never throws. */
    public void start(Source s, String description) {
        this.source = s;
        LOG.log(INFO, () -> "uvswap " + name + " started: " + description);
        jmx.registerVSwap(s.vswap());
        JfrHooks.join(this);
    }

    /** A new group (top-level or a child): an MBean for it, and the samplers include it. */
    public void groupCreated(MemoryGroup g) {
        if (closed) {
            return;
        }
        groups.add(g);
        Source s = source;
        jmx.registerGroup(g, s == null ? x -> false : s.held(), s == null ? x -> false : s.stuck());
        LOG.log(DEBUG, () -> "uvswap " + name + ": group " + path(g) + " created");
    }

    /**
     * The group's place or hold changed (its limit, or the reclaimer found it stuck or free
     * again): on a change of the stuck state, a warning (or the all-clear) and a JFR event.
     */
    public void groupPlaced(MemoryGroup g, boolean stuckNow, long currentAtVerdict) {
        Boolean before = stuck.put(g, stuckNow);
        if (before == null ? !stuckNow : before == stuckNow) {
            return;
        }
        // What the reclaimer saw when it decided, not what is there now: the faults' own reclaim
        // may still take pages between the verdict and this line.
        long current = currentAtVerdict;
        long now = System.nanoTime();
        Long warned = stuckLoggedAt.get(g);
        if (stuckNow && (warned == null || now - warned >= REPEAT_LOG_INTERVAL_NANOS)) {
            stuckLoggedAt.put(g, now);
            LOG.log(WARNING, () -> "uvswap " + name + ": group " + path(g) + " is over its limit (" + bytes(current)
                    + " resident, high " + bytes(g.memoryHigh()) + ", max " + bytes(g.memoryMax())
                    + ") and reclaim finds nothing it can swap out (pool full, no swap file, or pages that cannot"
                    + " leave); retrying with backoff" + (g.memoryMax() == MemoryGroup.UNLIMITED ? ""
                    : ", its faults no longer wait for reclaim"));
        } else if (!stuckNow) {
            LOG.log(DEBUG, () -> "uvswap " + name + ": group " + path(g) + " reclaims again (" + bytes(current)
                    + " resident)");
        }
        GroupReclaimStuckEvent e = new GroupReclaimStuckEvent();
        if (e.isEnabled()) {
            e.vswap = name;
            e.group = path(g);
            e.stuck = stuckNow;
            e.memoryCurrent = current;
            e.memoryHigh = g.memoryHigh();
            e.memoryMax = g.memoryMax();
            e.commit();
        }
    }

    public void fileAdded(Path path, long maxBytes, int priority, boolean temporary) {
        LOG.log(INFO, () -> "uvswap " + name + ": swap file " + path + " added (" + bytes(maxBytes) + ", priority "
                + priority + (temporary ? ", temporary: unlinked at once" : "") + ")");
        fileEvent(path, "ADDED", 0, 0, maxBytes);
    }

    public void fileRetired(Path path) {
        LOG.log(INFO, () -> "uvswap " + name + ": swap file " + path + " retired, its pages moved out, file removed");
        fileEvent(path, "RETIRED", 0, 0, 0);
    }

    public void retireFailed(Path path, RuntimeException failure) {
        LOG.log(WARNING, () -> "uvswap " + name + ": swap file " + path + " could not be retired, it stays in use: "
                + failure.getMessage());
    }

    /** Logs and records each swap-file event, then hands it to the application's listener (if any). */
    public Consumer<SwapFileEvent> swapFileListener(Consumer<SwapFileEvent> application) {
        return e -> {
            observe(e);
            if (application != null) {
                application.accept(e);
            }
        };
    }

    private void observe(SwapFileEvent e) {
        try {
            switch (e) {
                case SwapFileEvent.WriteError w -> {
                    logFile(w.file(), "WRITE_ERROR", () -> "write failed with errno " + w.errno() + "; " + w.badSlots()
                            + " slots marked bad, their pages stay in the pool or in memory");
                    fileEvent(w.file(), "WRITE_ERROR", w.errno(), w.badSlots(), 0);
                }
                case SwapFileEvent.NoSpace n -> {
                    logFile(n.file(), "NO_SPACE", () -> "file system out of space (errno " + n.errno()
                            + "): the file takes no more pages until a slot is freed");
                    fileEvent(n.file(), "NO_SPACE", n.errno(), 0, 0);
                }
                case SwapFileEvent.Full f -> {
                    logFile(f.file(), "FULL", () -> "full: every slot is in use or bad");
                    fileEvent(f.file(), "FULL", 0, 0, 0);
                }
                case SwapFileEvent.Deleted d -> {
                    logFile(d.file(), "DELETED", () -> "deleted or replaced: its pages stay readable, no new ones"
                            + " are written to it");
                    fileEvent(d.file(), "DELETED", 0, 0, 0);
                }
            }
        } catch (RuntimeException | LinkageError ignored) {
            // observing must never stop writeback
        }
    }

    private void logFile(Path file, String what, Supplier<String> text) {
        long now = System.nanoTime();
        String key = file + " " + what;
        Long last = fileLoggedAt.get(key);
        if (last != null && now - last < REPEAT_LOG_INTERVAL_NANOS) {
            return;
        }
        fileLoggedAt.put(key, now);
        LOG.log(WARNING, () -> "uvswap " + name + ": swap file " + file + " " + text.get());
    }

    private void fileEvent(Path file, String action, int errno, int badSlots, long maxBytes) {
        SwapFileRecordEvent e = new SwapFileRecordEvent();
        if (e.isEnabled()) {
            e.vswap = name;
            e.file = String.valueOf(file);
            e.action = action;
            e.errno = errno;
            e.badSlots = badSlots;
            e.maxBytes = maxBytes;
            e.commit();
        }
    }

    /**
     * Waits until the MBeans of every VSwap built (or closed) so far are registered (or gone):
     * registration runs in the background so that {@code build()} never waits for the platform
     * MBean server to start.
     */
    public static void awaitPublished() throws InterruptedException {
        try {
            Jmx.settle();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("MBean registration did not finish", e);
        }
    }

    /** The VSwap is closing: its MBeans go, the samplers drop it. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        JfrHooks.leave(this);
        jmx.unregisterAll();
        LOG.log(DEBUG, () -> "uvswap " + name + " closing");
    }

    /** The start line: how the VSwap runs, what the kernel offers, its limits. */
    public static String describe(VSwapConfig config, FaultMode defaultMode, Userfaultfd uffd) {
        return config.compressor() + (config.compressor() == Compressor.ZSTD ? " level " + config.zstdLevel() : "")
                + ", fault servers: " + config.faultThreads() + (config.pinFaultThreads() ? " (pinned)" : "")
                + ", default fault mode " + defaultMode + ", "
                + (uffd.kernelFaults() ? "kernel and user faults served" : "user faults only (prefault before I/O)")
                + ", userfaultfd features 0x" + Long.toHexString(uffd.features())
                + (uffd.poison() ? " (poison: swap files possible)" : " (no poison: no swap files)")
                + ", pool max " + bytes(config.poolMaxBytes()) + ", writeback above " + bytes(config.zswapMaxBytes())
                + " (" + (config.zswapWriteback() ? "on" : "off") + "), swap files: " + config.swapFiles().size()
                + ", memory this process may use " + bytes(config.budget().bytes()) + " (" + config.budget().source()
                + "; " + bytes(config.budget().offHeapBytes()) + " of it besides the Java heap: default pool max 1/2 of that, writeback above 1/5)";
    }

    /** A group's path from the top: "cache/index". */
    static String path(MemoryGroup g) {
        return g.parent() == null ? g.name() : path(g.parent()) + "/" + g.name();
    }

    /** Bytes for a log line: "64.0 MiB", "unlimited". */
    public static String bytes(long n) {
        if (n == MemoryGroup.UNLIMITED) {
            return "unlimited";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
