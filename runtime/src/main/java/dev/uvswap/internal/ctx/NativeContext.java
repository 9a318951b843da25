package dev.uvswap.internal.ctx;

import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.ThpFallback;
import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.libc_h;
import dev.uvswap.bindings.uvswap.UvswapLibrary;
import dev.uvswap.bindings.uvswap.uvs_config;
import dev.uvswap.bindings.uvswap.uvs_server_stats;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.os.NativeErrors;
import dev.uvswap.internal.os.Pages;
import dev.uvswap.internal.ring.SpscCompletionRing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Map;

/**
 * libuvswap's context (uvs_fault.c): the native fault-server threads, their completion rings
 * and statistics, and the downcalls that swap pages out and in. Java never runs on the fault
 * path; it only configures the servers here and reads what they publish.
 */
public final class NativeContext implements AutoCloseable {
    private static final long[] BUCKET_FLOOR = bucketFloors();

    private final MemorySegment ctx;
    /** Fault contexts: the server threads, then the in-thread contexts (each has a ring and stats). */
    private final int contexts;
    private final SpscCompletionRing[] rings;
    private final MemorySegment[] stats;
    /** Each region's base address, by id: what {@link #anyResident} asks mincore about. */
    private final java.util.Map<Integer, Long> bases = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean closed;

    /** Fills {@code config} (struct uvs_config) beforehand; creates and starts the servers. */
    public NativeContext(MemorySegment config) {
        UvswapLibrary.require();
        long abi = uvswap_h.uvs_abi_version();
        if (abi != uvswap_h.UVS_ABI_VERSION()) {
            throw new IllegalStateException("libuvswap speaks contract version " + abi + ", this runtime "
                    + uvswap_h.UVS_ABI_VERSION() + ": the jar and the native library are from different builds");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            NativeErrors.check(uvswap_h.uvs_create(config, out), "uvs_create");
            this.ctx = out.get(ValueLayout.ADDRESS, 0);
        }
        this.contexts = (int) NativeErrors.check(uvswap_h.uvs_fault_contexts(ctx), "uvs_fault_contexts");
        this.rings = new SpscCompletionRing[contexts];
        this.stats = new MemorySegment[contexts];
        for (int i = 0; i < contexts; i++) {
            rings[i] = new SpscCompletionRing(uvswap_h.uvs_server_ring(ctx, i));
            stats[i] = uvswap_h.uvs_server_stats(ctx, i).reinterpret(uvs_server_stats.sizeof());
        }
        long rc = uvswap_h.uvs_start(ctx);
        if (rc < 0) {
            uvswap_h.uvs_destroy(ctx);
            NativeErrors.check(rc, "starting the fault-server threads (uvs_start)");
        }
    }

    public MemorySegment context() {
        return ctx;
    }

    /** Fault contexts whose rings the drainer reads: servers and in-thread contexts alike. */
    public int contexts() {
        return contexts;
    }

    /**
     * Serves this context's in-thread regions from uvswap's SIGBUS handler, installing it (in
     * front of the JVM's, through libc's own sigaction, checked with the kernel) if it is not yet,
     * with a watchdog that puts it back if something replaces it.
     */
    public void attachSignalHandler() {
        long rc = uvswap_h.uvs_sigbus_attach(ctx);
        if (rc == -libc_h.ENOSPC()) {
            throw new IllegalStateException("too many VSwaps with in-thread faults in this process (16)");
        }
        NativeErrors.check(rc, "installing the SIGBUS handler for in-thread faults (uvs_sigbus_attach)");
    }

    /** The SIGBUS handler's state: whether the kernel has it now, watchdog reinstalls, signals forwarded. */
    public static SignalHandlerState signalHandlerState() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG, 3);
            NativeErrors.check(uvswap_h.uvs_sigbus_counters(out, 3), "uvs_sigbus_counters");
            return new SignalHandlerState(out.getAtIndex(ValueLayout.JAVA_LONG, 0) != 0,
                    out.getAtIndex(ValueLayout.JAVA_LONG, 1), out.getAtIndex(ValueLayout.JAVA_LONG, 2));
        }
    }

    /** See {@link #signalHandlerState()}. */
    public record SignalHandlerState(boolean installed, long reinstalls, long forwarded) { }

    public SpscCompletionRing ring(int i) {
        return rings[i];
    }

    public int addRegion(long base, long length, long pagemap, int flags) {
        int id = (int) NativeErrors.check(uvswap_h.uvs_region_add(ctx, base, length, MemorySegment.ofAddress(pagemap), flags),
                "uvs_region_add");
        bases.put(id, base);
        return id;
    }

    /**
     * Whether any page of {@code [firstPage, firstPage + pages)} of a region is present
     * (mincore, as uvs_evict asks before it moves anything): when none is, a swap-out has nothing
     * to move and needs no staging chunk. {@code vec} has a byte per page. The caller keeps the
     * region open (its lock); an unknown region answers true and uvs_evict decides.
     */
    public boolean anyResident(int region, long firstPage, int pages, MemorySegment vec) {
        Long base = bases.get(region);
        if (base == null) {
            return true;
        }
        NativeErrors.checkLibc(dev.uvswap.bindings.libc.Syscalls.mincore(MemorySegment.ofAddress(base + firstPage * 4096),
                pages * Pages.BYTES, vec), "mincore on a region");
        for (int i = 0; i < pages; i++) {
            if ((vec.get(ValueLayout.JAVA_BYTE, i) & 1) != 0) {
                return true;
            }
        }
        return false;
    }

    public Map<ThpFallback, Long> thpFallbacks() {
        Map<ThpFallback, Long> m = new EnumMap<>(ThpFallback.class);
        for (ThpFallback f : ThpFallback.values()) {
            int reason = switch (f) {
                case PRESENT -> uvswap_h.UVS_THP_FB_PRESENT();
                case MIXED -> uvswap_h.UVS_THP_FB_MIXED();
                case BUSY -> uvswap_h.UVS_THP_FB_BUSY();
                case BACKEND -> uvswap_h.UVS_THP_FB_BACKEND();
                case ERROR -> uvswap_h.UVS_THP_FB_ERROR();
                case SCATTERED -> uvswap_h.UVS_THP_FB_SCATTERED();
                case LIMIT -> uvswap_h.UVS_THP_FB_LIMIT();
            };
            m.put(f, sum(s -> uvs_server_stats.thp_fallback(s, reason)));
        }
        return m;
    }

    /** Present pages of a region, as counted by libuvswap. */
    public long residentPages(int region) {
        return NativeErrors.check(uvswap_h.uvs_region_resident(ctx, region), "uvs_region_resident");
    }

    /**
     * Pages whose {@code UFFDIO_MOVE} reported another outcome than the page tables showed after
     * it; libuvswap believes the page tables, so each one is a page that was not lost.
     */
    public long moveMismatches() {
        return NativeErrors.check(uvswap_h.uvs_move_mismatches(ctx), "uvs_move_mismatches");
    }

    /** Resident pages that uvs_evict could not move out (shared with a child, KSM, pinned by I/O). */
    public long evictRefused() {
        return NativeErrors.check(uvswap_h.uvs_evict_refused(ctx), "uvs_evict_refused");
    }

    /** Time, in ns, the servers spent serving a region's faults. */
    public long stallNanos(int region) {
        return NativeErrors.check(uvswap_h.uvs_region_stall_ns(ctx, region), "uvs_region_stall_ns");
    }

    /**
     * Holds the faults of every region in group {@code group}'s subtree until {@code untilNanos}
     * (System.nanoTime, CLOCK_MONOTONIC: a lease); 0 lifts it. One call a group, however many
     * regions it has: the fault path walks a region's groups upward.
     */
    public void throttleGroup(int group, long untilNanos) {
        NativeErrors.check(uvswap_h.uvs_group_throttle(ctx, group, untilNanos), "uvs_group_throttle");
    }

    /**
     * Tells the fault path a group's place in the tree and the resident pages above which its
     * regions' faults wait for reclaim before they install (uvs_group_set); Long.MAX_VALUE: never.
     */
    public void setGroup(int id, int parent, long holdAbovePages) {
        NativeErrors.check(uvswap_h.uvs_group_set(ctx, id, parent, holdAbovePages), "uvs_group_set");
    }

    /**
     * A fault that would take group {@code id}'s subtree past {@code maxPages} reclaims first, in
     * C (uvs_group_direct); {@code poolRoom}: pool bytes it may still store for the group's own
     * regions. Long.MAX_VALUE pages: never.
     */
    public void setGroupDirect(int id, long maxPages, long poolRoom) {
        NativeErrors.check(uvswap_h.uvs_group_direct(ctx, id, maxPages, poolRoom), "uvs_group_direct");
    }

    /**
     * Tells direct reclaim that aging parked ({@code delta > 0}) or let go of pages of a group:
     * C counts them with the group's installed pages and those of every group above it.
     */
    public synchronized void groupParked(int id, long delta) {
        // synchronized with close: a parked batch may be dropped while the instance closes
        if (id >= 0 && delta != 0 && !closed) {
            NativeErrors.check(uvswap_h.uvs_group_parked(ctx, id, delta), "uvs_group_parked");
        }
    }

    /** Pages direct reclaim took from a group's subtree. */
    public long groupDirectPages(int id) {
        return NativeErrors.check(uvswap_h.uvs_group_direct_pages(ctx, id), "uvs_group_direct_pages");
    }

    /** Whether direct reclaim may take a region's pages (not once it has pins, which only Java knows). */
    public void setRegionDirect(int region, boolean allowed) {
        NativeErrors.check(uvswap_h.uvs_region_direct(ctx, region, allowed ? 1 : 0), "uvs_region_direct");
    }

    /** Resident pages of a group's subtree, as the fault path charges them. */
    public long groupPages(int id) {
        return NativeErrors.check(uvswap_h.uvs_group_pages(ctx, id), "uvs_group_pages");
    }

    /** Charges a new region's pages to group {@code group} from now on. */
    public void setRegionGroup(int region, int group) {
        NativeErrors.check(uvswap_h.uvs_region_set_group(ctx, region, group), "uvs_region_set_group");
    }

    /** The calling thread is the reclaimer: a group's faults wait past its hold only while it is runnable. */
    public void registerReclaimer() {
        NativeErrors.check(uvswap_h.uvs_set_reclaimer(ctx), "uvs_set_reclaimer");
    }

    /**
     * The reclaimer's idle wait, up to {@code nanos}: true when woken by {@link #wakeReclaimer}
     * or by a fault held for a group past its hold (which counts a waiting reclaimer as working).
     */
    public boolean reclaimerWait(long nanos) {
        return NativeErrors.check(uvswap_h.uvs_reclaimer_wait(ctx, nanos), "uvs_reclaimer_wait") > 0;
    }

    public void wakeReclaimer() {
        NativeErrors.check(uvswap_h.uvs_reclaimer_wake(ctx), "uvs_reclaimer_wake");
    }

    /** Swap-file reads (or decodes) that failed on the fault path. */
    public long readErrors() {
        return sum(uvs_server_stats::read_errors);
    }

    /** Pages poisoned because their data could not be read. */
    public long poisoned() {
        return sum(uvs_server_stats::poisoned);
    }

    /** Completions that found their ring full and went to the overflow list (or, in a signal handler, were dropped). */
    public long ringOverflows() {
        return sum(uvs_server_stats::ring_overflows);
    }

    public long readahead() {
        return sum(uvs_server_stats::readahead);
    }

    /** Readahead runs installed with one UFFDIO_COPY. */
    public long aheadRuns() {
        return sum(uvs_server_stats::ahead_runs);
    }

    /** Of those, runs whose swap-file pages were read with one pread. */
    public long fileAheadReads() {
        return sum(uvs_server_stats::file_ahead_reads);
    }

    /** Never-touched pages given their zero page ahead of a sequential first touch. */
    public long firstTouchAhead() {
        return sum(uvs_server_stats::first_touch_ahead);
    }

    public void removeRegion(int id) {
        bases.remove(id);
        NativeErrors.check(uvswap_h.uvs_region_remove(ctx, id), "uvs_region_remove");
    }

    /** Blocks in native code (so never at a safepoint) until a server asks for a drain or the timeout passes. */
    public boolean awaitDrainRequest(int timeoutMillis) {
        return NativeErrors.check(uvswap_h.uvs_wait_drain(ctx, timeoutMillis), "uvs_wait_drain") > 0;
    }

    long sum(java.util.function.ToLongFunction<MemorySegment> counter) {
        long total = 0;
        for (MemorySegment s : stats) {
            total += counter.applyAsLong(s);
        }
        return total;
    }

    public Map<FaultKind, Long> faults() {
        Map<FaultKind, Long> m = new EnumMap<>(FaultKind.class);
        for (FaultKind k : FaultKind.values()) {
            int kind = nativeKind(k);
            m.put(k, sum(s -> uvs_server_stats.faults(s, kind)));
        }
        return m;
    }

    public Map<FaultKind, LatencyPercentiles> latencies() {
        Map<FaultKind, LatencyPercentiles> m = new EnumMap<>(FaultKind.class);
        int buckets = uvswap_h.UVS_HIST_BUCKETS();
        for (FaultKind k : FaultKind.values()) {
            int kind = nativeKind(k);
            long[] hist = new long[buckets];
            for (int b = 0; b < buckets; b++) {
                int bucket = b;
                hist[b] = sum(s -> uvs_server_stats.hist(s, kind, bucket));
            }
            long count = sum(s -> uvs_server_stats.faults(s, kind));
            long ns = sum(s -> uvs_server_stats.fault_ns(s, kind));
            m.put(k, percentiles(hist, count, ns));
        }
        return m;
    }

    /** Waits until no server is mid-batch: the completions of every fault already woken are posted. */
    public void quiesce() {
        NativeErrors.check(uvswap_h.uvs_quiesce(ctx), "uvs_quiesce");
    }

    public int lastErrno() {
        int e = 0;
        for (MemorySegment st : stats) {
            e = Math.max(e, (int) uvs_server_stats.last_errno(st));
        }
        return e;
    }

    public long errors() {
        return sum(uvs_server_stats::errors);
    }

    public static int nativeKind(FaultKind k) {
        return switch (k) {
            case FIRST_TOUCH -> uvswap_h.UVS_FK_FIRST_TOUCH();
            case ZERO -> uvswap_h.UVS_FK_ZERO();
            case ZSWAP -> uvswap_h.UVS_FK_ZSWAP();
            case FILE -> uvswap_h.UVS_FK_FILE();
            case CACHE -> uvswap_h.UVS_FK_CACHE();
            case STALE -> uvswap_h.UVS_FK_STALE();
            case THP_FIRST_TOUCH -> uvswap_h.UVS_FK_THP_FIRST_TOUCH();
            case THP_SWAPIN -> uvswap_h.UVS_FK_THP_SWAPIN();
        };
    }

    private static long[] bucketFloors() {
        UvswapLibrary.require();
        long[] f = new long[uvswap_h.UVS_HIST_BUCKETS() + 1];
        for (int i = 0; i < f.length - 1; i++) {
            f[i] = uvswap_h.uvs_hist_bucket_floor(i);
        }
        f[f.length - 1] = f[f.length - 2] * 2;
        return f;
    }

    /** A percentile is reported as the middle of the bucket it falls in. */
    public static LatencyPercentiles percentiles(long[] hist, long count, long totalNanos) {
        long seen = 0;
        for (long h : hist) {
            seen += h;
        }
        if (seen == 0) {
            return LatencyPercentiles.EMPTY;
        }
        long max = 0;
        for (int b = hist.length - 1; b >= 0; b--) {
            if (hist[b] > 0) {
                max = BUCKET_FLOOR[b + 1];
                break;
            }
        }
        return new LatencyPercentiles(count, count == 0 ? 0 : (double) totalNanos / count,
                at(hist, seen, 0.50), at(hist, seen, 0.90), at(hist, seen, 0.99), max);
    }

    private static long at(long[] hist, long total, double q) {
        long rank = (long) Math.ceil(q * total);
        long acc = 0;
        for (int b = 0; b < hist.length; b++) {
            acc += hist[b];
            if (acc >= rank) {
                return (BUCKET_FLOOR[b] + BUCKET_FLOOR[b + 1]) / 2;
            }
        }
        return BUCKET_FLOOR[hist.length];
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            NativeErrors.check(uvswap_h.uvs_destroy(ctx), "uvs_destroy");
        }
    }
}
