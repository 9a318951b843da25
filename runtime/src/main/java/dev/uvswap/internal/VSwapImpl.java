package dev.uvswap.internal;

import dev.uvswap.Compressor;
import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapException;
import dev.uvswap.VSwapStats;
import dev.uvswap.bindings.libc.libc_h;
import dev.uvswap.bindings.uvswap.uvs_config;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.*;
import dev.uvswap.internal.codec.CompressionCodec;
import dev.uvswap.internal.codec.ZstdDictionaries;
import dev.uvswap.internal.ctx.NativeContext;
import dev.uvswap.internal.evict.SwapOut;
import dev.uvswap.internal.fault.Userfaultfd;
import dev.uvswap.internal.file.FileBackend;
import dev.uvswap.internal.group.Account;
import dev.uvswap.internal.group.GroupReclaimer;
import dev.uvswap.internal.group.MemoryGroupImpl;
import dev.uvswap.internal.observe.FaultHistograms;
import dev.uvswap.internal.os.Mapping;
import dev.uvswap.internal.os.NativeAccess;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.reclaim.DirectReclaim;
import dev.uvswap.internal.region.RegionImpl;
import dev.uvswap.internal.ring.CompletionDrainer;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;
import dev.uvswap.internal.staging.StagingArea;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wires the parts together: the userfaultfd, the reserved tables (slot descriptors, pool,
 * staging area), the native fault servers, the reclaimer and the swap-out path. Owns the
 * lifecycle; the parts own their jobs.
 */
public final class VSwapImpl implements VSwap {
    /** 64 TiB: well inside the 128 TiB user address space, and a page map of 128 GiB of address space. */
    static final long MAX_REGION_BYTES = 1L << 46;
    private static final long POOL_RESERVE_MIN = 64L << 30;

    private final VSwapConfig config;
    private final Userfaultfd uffd;
    /** Regions whose faults are served on the faulting thread are registered here (UFFD_FEATURE_SIGBUS). */
    private final Userfaultfd inThreadUffd;
    /** What a region that does not choose gets. */
    private final FaultMode defaultFaultMode;
    /** Whether the SIGBUS handler serves this VSwap yet: attached with the first in-thread region. */
    private boolean signalHandlerAttached;
    private final Mapping descTable;
    private final Mapping poolArea;
    private final Mapping stagingArea;
    private final NativeContext servers;
    private final SlotSpace slots;
    private final CompressedPool pool;
    private final StagingArea staging;
    private final CompletionDrainer reclaimer;
    private final FileBackend fileBackend;
    private final SwapOut swapOut;
    /** Direct reclaim's Java half: magazines and adoption (internal/DirectReclaim, uvs_reclaim.c). */
    private final dev.uvswap.internal.reclaim.DirectReclaim direct;
    private final Set<RegionImpl> regions = ConcurrentHashMap.newKeySet();
    private final Mapping ownerTable;
    private final SlotOwners owners;
    /** Regions allocated without a group; never reclaimed by limits. */
    private final MemoryGroupImpl ungrouped;
    /** What the prefetch thread caught and survived. */
    private final BackgroundErrors prefetchErrors = new BackgroundErrors("uvswap-prefetch");
    /** Runs willNeed advice: swap-ins in the background. */
    private final java.util.concurrent.ExecutorService prefetcher = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("uvswap-prefetch").unstarted(r));
    private final List<MemoryGroupImpl> groups = new java.util.concurrent.CopyOnWriteArrayList<>();
    private GroupReclaimer groupReclaimer;
    private final long pmShift = uvswap_h.UVS_PM_SHIFT();
    /**
     * The lifecycle gate. Calls that reach the native context, the reserved tables or the swap
     * files hold its read side; close holds the write side. So close waits for the calls in
     * flight, and a call after it sees {@link #closing} and fails fast: nothing ever touches
     * what close freed (in native code that would be a crash, not an exception).
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock gate = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** close() has begun: new calls fail. What a region that could not close needs stays up until a later close. */
    private volatile boolean closing;
    /** close() has finished: the servers, the userfaultfd and every mapping are gone. */
    private volatile boolean released;
    /** Log lines, MBeans and JFR events (docs/observability.md); never on a fault or a pageOut. */
    private final dev.uvswap.internal.observe.Observed observed;
    /** zstd dictionaries per group (issue 18), or null when the VSwap was built without them. */
    private final ZstdDictionaries dictionaries;

    private VSwapImpl(VSwapConfig config, Deque<AutoCloseable> opened) {
        this.config = config;
        this.observed = new dev.uvswap.internal.observe.Observed(config.name());
        this.uffd = push(opened, Userfaultfd.open(config.userModeOnly()));
        this.inThreadUffd = push(opened, Userfaultfd.openInThread());
        // Where faults inside system calls fail anyway (user-mode-only), in-thread costs nothing.
        this.defaultFaultMode = config.faultMode() != null ? config.faultMode()
                : uffd.kernelFaults() ? FaultMode.SERVER_THREADS : FaultMode.IN_THREAD;
        this.descTable = reserve(opened, VSwapConfig.SLOT_CAPACITY * Long.BYTES, 4096, "slot descriptors");
        this.ownerTable = reserve(opened, VSwapConfig.SLOT_CAPACITY * Integer.BYTES, 4096, "slot owners");
        this.owners = new SlotOwners(ownerTable.segment());
        this.ungrouped = new MemoryGroupImpl(this, "(none)", null, owners.none());
        long poolReserve = Math.max(POOL_RESERVE_MIN, (config.poolMaxBytes() + 0xFFFF) & ~0xFFFFL);
        this.poolArea = reserve(opened, poolReserve, 1 << 16, "compressed pool");
        this.stagingArea = reserve(opened, VSwapConfig.STAGING_BYTES, RegionImpl.EXTENT, "staging area");
        // A whole extent moved out keeps its huge page only if the destination is MADV_HUGEPAGE.
        stagingArea.advise(0, stagingArea.size(), libc_h.MADV_HUGEPAGE(), "madvise(MADV_HUGEPAGE) on the staging area");
        uffd.register(stagingArea.address(), stagingArea.size());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cfg = uvs_config.allocate(arena);
            uvs_config.uffd(cfg, uffd.fd());
            uvs_config.nr_servers(cfg, config.faultThreads());
            uvs_config.ring_capacity(cfg, VSwapConfig.RING_CAPACITY);
            // dev.uvswap.batchReadahead=false: readahead page by page, the control ReadaheadBench measures against.
            uvs_config.flags(cfg, (config.pinFaultThreads() ? uvswap_h.UVS_CFG_PIN_SERVERS() : 0)
                    | (Boolean.parseBoolean(System.getProperty("dev.uvswap.batchReadahead", "true"))
                            ? 0 : uvswap_h.UVS_CFG_NO_BATCH_AHEAD()));
            uvs_config.desc_base(cfg, descTable.address());
            uvs_config.desc_slots(cfg, VSwapConfig.SLOT_CAPACITY);
            uvs_config.pool_base(cfg, poolArea.address());
            uvs_config.pool_bytes(cfg, poolArea.size());
            uvs_config.staging_base(cfg, stagingArea.address());
            uvs_config.staging_pages(cfg, stagingArea.size() / RegionImpl.PAGE);
            uvs_config.sigbus_uffd(cfg, inThreadUffd.fd());
            uvs_config.inthread_contexts(cfg, Math.min(VSwapConfig.IN_THREAD_CONTEXTS,
                    uvswap_h.UVS_MAX_SERVERS() - config.faultThreads()));
            CompressionCodec.resolve(uvs_config.codec(cfg), config.compressor(), config.zstdLevel());
            this.servers = push(opened, new NativeContext(cfg));
        }
        this.slots = new SlotSpace(descTable.segment(), descTable);
        this.pool = new CompressedPool(poolArea.segment(), poolArea, config.poolMaxBytes());
        this.staging = new StagingArea(stagingArea.size() / RegionImpl.PAGE, stagingArea);
        this.fileBackend = push(opened, new FileBackend(servers, slots, pool, this::drainCompletions,
                observed.swapFileListener(config.swapFileEvents()), owners, config.zswapMaxBytes(), config.zswapWriteback(),
                config.compressor() == Compressor.ZSTD ? uvswap_h.UVS_CODEC_ZSTD() : uvswap_h.UVS_CODEC_LZ4()));
        this.reclaimer = push(opened, new CompletionDrainer(servers, slots, pool, staging, fileBackend.files(), owners));
        if (config.dictionaries() && config.compressor() != Compressor.ZSTD) {
            throw new IllegalArgumentException("dictionaries are zstd dictionaries: they need Compressor.ZSTD, not "
                    + config.compressor());
        }
        if (config.extentCompression() && config.compressor() != Compressor.ZSTD) {
            throw new IllegalArgumentException("extent compression stores zstd frames: it needs Compressor.ZSTD, not "
                    + config.compressor());
        }
        this.dictionaries = config.dictionaries()
                ? push(opened, new ZstdDictionaries(servers.context(), config.zstdLevel(), config.name())) : null;
        this.swapOut = push(opened, new SwapOut(servers, slots, pool, staging, reclaimer, fileBackend, owners,
                config.compressor() == Compressor.ZSTD, dictionaries, config.extentCompression()));
        this.direct = dev.uvswap.internal.reclaim.DirectReclaim.start(servers, slots, pool, staging, owners, ownerTable.segment(),
                config.compressor() == Compressor.ZSTD ? uvswap_h.UVS_CODEC_ZSTD() : uvswap_h.UVS_CODEC_LZ4(), fileBackend);
        reclaimer.attach(direct, this::refreshDirectLimits);
        for (VSwapConfig.SwapFileSpec f : config.swapFiles()) {
            addFile(f.path(), f.maxBytes(), f.priority(), f.temporary());
        }
        startObserving();
    }

    /** Logs how this VSwap runs and publishes it (MBeans, JFR); the histograms are read only while it is up. */
    private void startObserving() {
        FaultHistograms histograms = new FaultHistograms(servers);
        observed.start(new dev.uvswap.internal.observe.Observed.Source(this, () -> {
            if (!enterIfAlive()) {
                return null;
            }
            try {
                return histograms.read();
            } finally {
                exit();
            }
        }, g -> ((MemoryGroupImpl) g).throttled, g -> ((MemoryGroupImpl) g).reclaimStuck),
                dev.uvswap.internal.observe.Observed.describe(config, defaultFaultMode, uffd));
    }

    /** For group counters: exact as of the call, unless the VSwap is closed (then as they were). */
    public void drainCompletionsIfOpen() {
        if (enterIfAlive()) {
            try {
                drainCompletions();
            } finally {
                exit();
            }
        }
    }

    /** Enters a public call: IllegalStateException("VSwap closed") once close() has begun. Pair with {@link #exit}. */
    private void enter() {
        gate.readLock().lock();
        if (closing) {
            gate.readLock().unlock();
            throw new IllegalStateException("VSwap closed");
        }
    }

    /**
     * Enters work that only needs the parts up (a region's close, counters): true while they
     * are, even during a close that left a busy region open. Pair a true with {@link #exit}.
     */
    public boolean enterIfAlive() {
        gate.readLock().lock();
        if (released) {
            gate.readLock().unlock();
            return false;
        }
        return true;
    }

    public void exit() {
        gate.readLock().unlock();
    }

    public boolean isClosing() {
        return closing;
    }

    private <T> T whileOpen(java.util.function.Supplier<T> call) {
        enter();
        try {
            return call.get();
        } finally {
            exit();
        }
    }

    private void whileOpen(Runnable call) {
        enter();
        try {
            call.run();
        } finally {
            exit();
        }
    }

    /** Frees what every swap-in served so far consumed (the servers' completions). */
    private void drainCompletions() {
        servers.quiesce();
        reclaimer.drain();
    }

    private void addFile(Path path, long maxBytes, int priority, boolean temporary) {
        if (!uffd.poison()) {
            throw new UnsupportedPlatformException("swap files need UFFD_FEATURE_POISON (Linux >= 6.6; this kernel offers"
                    + " features 0x" + Long.toHexString(uffd.features()) + "): without it a page whose file read fails"
                    + " could only hang the thread that touched it");
        }
        fileBackend.add(path, maxBytes, priority, temporary);
        observed.fileAdded(path, maxBytes, priority, temporary);
    }

    @Override
    public void addSwapFile(Path path, long maxBytes, int priority) {
        whileOpen(() -> addFile(path, maxBytes, priority, false));
    }

    @Override
    public void addFarTier(dev.uvswap.FarTierSpec spec) {
        java.util.Objects.requireNonNull(spec, "spec");
        whileOpen(() -> {
            if (!uffd.poison()) {
                throw new UnsupportedPlatformException("a far tier needs UFFD_FEATURE_POISON (Linux >= 6.6; this kernel"
                        + " offers features 0x" + Long.toHexString(uffd.features()) + "): without it a page whose read"
                        + " fails could only hang the thread that touched it");
            }
            fileBackend.addFar(spec);
        });
    }

    @Override
    public void retireFarTier() {
        whileOpen(fileBackend::retireFar);
    }

    @Override
    public java.util.Optional<dev.uvswap.FarTierStats> farTier() {
        var t = fileBackend.files().far();
        return t == null ? java.util.Optional.empty() : java.util.Optional.of(t.stats());
    }

    @Override
    public void retire(Path path) {
        try {
            whileOpen(() -> fileBackend.retire(path));
        } catch (VSwapException e) {
            observed.retireFailed(path, e);
            throw e;
        }
        observed.fileRetired(path);
    }

    @Override
    public void setZswapMaxBytes(long bytes) {
        VSwapConfig.checkPoolLimit("zswapMaxBytes", bytes);
        whileOpen(() -> fileBackend.setZswapMaxBytes(bytes));
    }

    @Override
    public void setZswapWriteback(boolean on) {
        whileOpen(() -> fileBackend.setWriteback(on));
    }

    /**
     * Pages of a region that are present (the servers count them as they install and evict).
     * Callers hold the region's lock with the region open, and the parts outlive every open
     * region, so no gate here: reclaim asks this on every step.
     */
    public long residentPages(int region) {
        return servers.residentPages(region);
    }

    /** Time the servers spent on a region's faults, in ns; IllegalStateException once the VSwap is gone. */
    public long stallNanos(int region) {
        if (!enterIfAlive()) {
            throw new IllegalStateException("VSwap closed");
        }
        try {
            return servers.stallNanos(region);
        } finally {
            exit();
        }
    }

    /** Holds the faults of a group's subtree until {@code untilNanos} (a lease); 0 lifts it. A closed VSwap holds nothing. */
    public void throttle(MemoryGroupImpl g, long untilNanos) {
        if (enterIfAlive()) {
            try {
                servers.throttleGroup(g.account().id(), untilNanos);
            } finally {
                exit();
            }
        }
    }

    /** An account for a new group (IllegalStateException once closed); give it back with {@link #releaseAccount} if the group is not made. */
    public Account newAccount(Account parent) {
        return whileOpen(() -> owners.newAccount(parent));
    }

    public void releaseAccount(Account a) {
        owners.release(a);
    }

    /** A group's zswap or swap limit changed: writeback may have work. */
    public void swapLimitChanged() {
        fileBackend.groupLimitChanged();
    }

    /** willNeed: brings the range back on the prefetch thread; a region closed meanwhile is skipped. */
    public void prefetch(RegionImpl region, long offset, long length) {
        try {
            prefetcher.execute(() -> {
                try {
                    prefetchErrors.throwIfInjected();
                    region.prefault(offset, length);
                } catch (RuntimeException | Error e) {
                    // A region (or the VSwap) closed meanwhile has nothing to bring back; anything
                    // else is counted, and the executor lives on to serve the next willNeed.
                    if (!(e instanceof IllegalStateException && (region.isClosed() || closing))) {
                        prefetchErrors.report(e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the VSwap is closing
        }
    }

    /** Tests: the native context (its per-server counters). */
    public NativeContext nativeContext() {
        return servers;
    }

    /** Tests: direct reclaim's Java half (its magazines' counters). */
    public dev.uvswap.internal.reclaim.DirectReclaim directReclaim() {
        return direct;
    }

    /** Tests: the prefetcher's failure counter (and its injection hook). */
    public BackgroundErrors prefetchErrors() {
        return prefetchErrors;
    }

    /** Tests: waits until every willNeed so far has been served. */
    public void awaitPrefetch() throws Exception {
        prefetcher.submit(() -> { }).get(1, java.util.concurrent.TimeUnit.MINUTES);
    }

    /** Tests: a slot's descriptor word. */
    public long slotDescriptor(long vslot) {
        return slots.descriptorAcquire(vslot);
    }

    /** Tests: regions open (or failed to close). */
    public int regionCount() {
        return regions.size();
    }

    public FileBackend fileBackend() {
        return fileBackend;
    }

    public static VSwapImpl create(VSwapConfig config) {
        NativeAccess.require();   // before any binding class: a denied JVM gets one error naming the flag
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            return new VSwapImpl(config, opened);
        } catch (RuntimeException | Error e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private static <T extends AutoCloseable> T push(Deque<AutoCloseable> opened, T resource) {
        opened.push(resource);
        return resource;
    }

    private static Mapping reserve(Deque<AutoCloseable> opened, long bytes, long align, String what) {
        Mapping m = Mapping.reserve(bytes, align, what);
        opened.push(m::unmap);
        return m;
    }

    private static void closeAll(Deque<AutoCloseable> opened, Throwable failure) {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
    }

    public SwapOut swapOut() {
        return swapOut;
    }

    @Override
    public synchronized MemoryGroup createGroup(String name) {
        java.util.Objects.requireNonNull(name, "name");   // before an account id is taken: ids are finite
        return whileOpen(() -> {
            Account account = owners.newAccount(null);
            try {
                MemoryGroupImpl g = new MemoryGroupImpl(this, name, null, account);
                servers.setGroup(account.id(), g.parentId(), g.holdAbovePages());
                if (groupReclaimer == null) {
                    groupReclaimer = new GroupReclaimer(groups, servers);
                }
                groups.add(g);
                throttle(g, 0);   // its id may be a released group's: no lease of that one carries over
                observed.groupCreated(g);
                return g;
            } catch (RuntimeException | Error e) {
                owners.release(account);   // nothing was recorded to it
                throw e;
            }
        });
    }

    /**
     * Tells direct reclaim each group's limit and pool room, after each drain: a group's resident
     * pages and those aging keeps parked (which C counts as they change) may reach memoryMax. Runs
     * under the drainer's lock and takes no gate (a close holds the gate while it drains): the
     * drainer is closed before the native context, so the context is up whenever this runs.
     */
    void refreshDirectLimits() {
        for (MemoryGroupImpl g : groups) {
            refreshDirectLimits(g, 0);
        }
    }

    private void refreshDirectLimits(MemoryGroupImpl g, int depth) {
        servers.setGroupDirect(g.account().id(), g.directMaxPages(), g.account().zswapRoom());
        if (depth < uvswap_h.UVS_MAX_GROUPS()) {
            for (MemoryGroupImpl c : g.children()) {
                refreshDirectLimits(c, depth + 1);
            }
        }
    }

    /** Tells the fault path where a group sits in the tree and where its hold starts. */
    public void groupPlaced(MemoryGroupImpl g) {
        whileOpen(() -> {
            servers.setGroup(g.account().id(), g.parentId(), g.holdAbovePages());
            servers.setGroupDirect(g.account().id(), g.directMaxPages(), g.account().zswapRoom());
            return null;
        });
        observed.groupPlaced(g, g.reclaimStuck, g.currentAtVerdict);   // a warning when reclaim gets stuck
    }

    /**
     * As {@link #groupPlaced}, for the group reclaimer's verdicts: it runs on its own thread and
     * may reach a verdict while the VSwap closes, when there is nothing left to place and no
     * error to count (it was counted as a background error and logged as a warning).
     */
    public void groupPlacedIfOpen(MemoryGroupImpl g) {
        gate.readLock().lock();   // a close waits for us, and groupPlaced's own enter re-enters
        try {
            if (!closing) {
                groupPlaced(g);
            }
        } finally {
            gate.readLock().unlock();
        }
    }

    /** A child group was made: its MBean, and the JFR samplers include it. */
    public void groupCreated(MemoryGroupImpl g) {
        throttle(g, 0);   // its id may be a released group's: no lease of that one carries over
        observed.groupCreated(g);
    }

    /** Pages faults took out of memory by direct reclaim because group {@code g} was at its max (not its children). */
    public long directReclaimedPages(MemoryGroupImpl g) {
        if (!enterIfAlive()) {
            return 0;
        }
        try {
            return servers.groupDirectPages(g.account().id());
        } finally {
            exit();
        }
    }

    /** A region's first pin: direct reclaim, which cannot see pins, no longer takes its pages. */
    public void regionHasPins(RegionImpl r) {
        whileOpen(() -> servers.setRegionDirect(r.id(), false));
    }

    /** A limit changed: check the groups now rather than at the next period. */
    public void groupLimitChanged(MemoryGroupImpl g) {
        whileOpen(() -> {   // its doorbell is native: never rung on a closed VSwap
            GroupReclaimer r = groupReclaimer;
            if (r != null) {
                r.limitChanged(g);
            }
        });
    }

    @Override
    public long reclaim(MemoryGroup group, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("reclaim: negative byte count " + bytes);
        }
        MemoryGroupImpl g = own(group);
        return whileOpen(() -> GroupReclaimer.reclaim(g, bytes, true));
    }

    private MemoryGroupImpl own(MemoryGroup group) {
        if (!(java.util.Objects.requireNonNull(group, "group") instanceof MemoryGroupImpl g)) {
            throw new IllegalArgumentException(group + " is not a group uvswap created");
        }
        if (g.owner() != this) {
            throw new IllegalArgumentException(group + " belongs to another VSwap");
        }
        return g;
    }

    @Override
    public Region allocate(long bytes, MemoryGroup group, RegionOption... options) {
        return allocate(bytes, own(group), options);
    }

    @Override
    public Region allocate(long bytes, RegionOption... options) {
        return allocate(bytes, ungrouped, options);
    }

    private Region allocate(long bytes, MemoryGroupImpl group, RegionOption... options) {
        List<RegionOption> opts = java.util.List.of(options);
        boolean huge = !opts.contains(RegionOption.SMALL_PAGES);
        if (opts.contains(RegionOption.FAULTS_IN_THREAD) && opts.contains(RegionOption.FAULTS_ON_SERVERS)) {
            throw new IllegalArgumentException("FAULTS_IN_THREAD and FAULTS_ON_SERVERS together: choose one");
        }
        FaultMode mode = opts.contains(RegionOption.FAULTS_IN_THREAD) ? FaultMode.IN_THREAD
                : opts.contains(RegionOption.FAULTS_ON_SERVERS) ? FaultMode.SERVER_THREADS : defaultFaultMode;
        if (bytes <= 0) {
            throw new IllegalArgumentException("region size must be positive: " + bytes);
        }
        if (bytes > MAX_REGION_BYTES) {
            throw new IllegalArgumentException("region size " + bytes + " exceeds the largest region, "
                    + MAX_REGION_BYTES + " bytes (64 TiB)");
        }
        if (huge && opts.contains(RegionOption.FIRST_TOUCH_WINDOWS)) {
            throw new IllegalArgumentException("FIRST_TOUCH_WINDOWS needs SMALL_PAGES: a huge-page region's first touch "
                    + "already maps a whole 2 MiB extent");
        }
        int windows = opts.contains(RegionOption.FIRST_TOUCH_WINDOWS) ? uvswap_h.UVS_REGION_FT_WINDOW() : 0;
        return whileOpen(() -> reserveRegion(bytes, group, huge, mode, windows));
    }

    /** The userfaultfd a region of this mode is registered on. */
    private Userfaultfd uffdFor(FaultMode mode) {
        return mode == FaultMode.IN_THREAD ? inThreadUffd : uffd;
    }

    /** The first in-thread region makes the SIGBUS handler serve this VSwap (process-wide, so only when used). */
    private synchronized void attachSignalHandler() {
        if (!signalHandlerAttached) {
            servers.attachSignalHandler();
            signalHandlerAttached = true;
        }
    }

    private Region reserveRegion(long bytes, MemoryGroupImpl group, boolean huge, FaultMode mode, int extraFlags) {
        long size = (bytes + RegionImpl.EXTENT - 1) & -RegionImpl.EXTENT;
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            Mapping memory = reserve(opened, size, RegionImpl.EXTENT, "region");
            // A huge page moved in needs a MADV_HUGEPAGE destination, or the kernel splits it.
            memory.advise(0, size, huge ? libc_h.MADV_HUGEPAGE() : libc_h.MADV_NOHUGEPAGE(),
                    huge ? "madvise(MADV_HUGEPAGE) on a region" : "madvise(MADV_NOHUGEPAGE) on a region");
            Mapping pagemap = reserve(opened, size / RegionImpl.PAGE * Long.BYTES, 4096, "region page map");
            Userfaultfd on = uffdFor(mode);
            if (mode == FaultMode.IN_THREAD) {
                attachSignalHandler();
            }
            on.register(memory.address(), size);
            opened.push(() -> on.unregister(memory.address(), size));
            int flags = (huge ? uvswap_h.UVS_REGION_THP() : 0) | (mode == FaultMode.IN_THREAD ? uvswap_h.UVS_REGION_INTHREAD() : 0)
                    | extraFlags;
            int id = servers.addRegion(memory.address(), size, pagemap.address(), flags);
            servers.setRegionGroup(id, group.account().id());
            RegionImpl region = new RegionImpl(this, memory, pagemap, id, huge, group, mode);
            regions.add(region);
            group.add(region);
            return region;
        } catch (RuntimeException e) {
            closeAll(opened, e);
            throw e;
        }
    }

    /** Called by RegionImpl.close() with its write lock held: no fault and no swap-out can run on it now. */
    public void release(RegionImpl region) {
        Mapping memory = region.memory();
        try {
            uffdFor(region.faultMode()).unregister(memory.address(), memory.size());
            servers.removeRegion(region.id());
            freeSlots(region.pagemap());
        } finally {
            memory.unmap();
            region.pagemap().unmap();
            regions.remove(region);
        }
    }

    /**
     * Frees every slot the page map still names, with its backend (the batched free of §5.5).
     * Only page-map pages that were ever written can name a slot, and mincore on the page map
     * finds them, so closing a huge, sparsely used region does not read all of its page map.
     */
    private void freeSlots(Mapping pagemap) {
        MemorySegment pm = pagemap.segment();
        SlotBatch batch = new SlotBatch();
        reclaimer.drain();
        pagemap.forEachResidentPage(p -> freeSlotsOfPage(pm, p * (RegionImpl.PAGE / Long.BYTES), batch));
        batch.flush();
    }

    private final class SlotBatch {
        final long[] slotsToFree = new long[1024];
        int n;

        void add(long vslot) {
            slotsToFree[n++] = vslot;
            if (n == slotsToFree.length) {
                flush();
            }
        }

        void flush() {
            if (n > 0) {
                slots.free(slotsToFree, n);
                n = 0;
            }
        }
    }

    private void freeSlotsOfPage(MemorySegment pm, long firstWord, SlotBatch batch) {
        for (long i = firstWord; i < firstWord + RegionImpl.PAGE / Long.BYTES; i++) {
            long w = pm.getAtIndex(ValueLayout.JAVA_LONG, i);
            if (w == 0) {
                continue;
            }
            long vslot = w >>> pmShift;
            emptySlot(vslot);
            batch.add(vslot);
        }
    }

    /**
     * Empties a slot of a closed region and frees what it held. A CAS, not a store: writeback
     * and swapoff may be moving the slot's backend right now, and whoever loses undoes its side.
     */
    private void emptySlot(long vslot) {
        reclaimer.freeBackend(vslot, slots.transitions().takeForFree(vslot));
    }

    @Override
    public VSwapStats stats() {
        return whileOpen(this::snapshot);
    }

    private VSwapStats snapshot() {
        servers.quiesce();
        reclaimer.drain();
        dev.uvswap.FarTierStats far = fileBackend.files().far() == null ? null : fileBackend.files().far().stats();
        return new VSwapStats(
                reclaimer.pswpin.sum(), swapOut.pswpout.sum() + direct.pswpout.sum(), reclaimer.zswpin.sum(),
                swapOut.zswpout.sum() + direct.zswpout.sum(),
                reclaimer.swpinZero.sum(), swapOut.swpoutZero.sum() + direct.swpoutZero.sum(), reclaimer.cacheHits.sum(), swapOut.poolRejects.sum(),
                servers.faults(), servers.latencies(),
                swapOut.thpSwpout.sum(), servers.thpFallbacks(), servers.readahead(),
                // A unit's pieces and header are pool objects; its pages are what the pool holds.
                pool.storedObjects() - pool.units().objects() + pool.units().pages(), pool.storedBytes(),
                pool.totalBytes() - direct.reservedSpanBytes(), pool.maxBytes(),
                slots.inUse() - direct.reservedSlots(), slots.clusters(), staging.pagesInUse(), servers.errors(), servers.lastErrno(),
                uffd.kernelFaults(),
                reclaimer.swpinFile.sum(), swapOut.swpoutFile.sum(), fileBackend.zswpwb(), fileBackend.writebackBatches(),
                fileBackend.files().usedSlots(), fileBackend.files().storedBytes(),
                fileBackend.files().usedBlocks() * dev.uvswap.internal.file.SwapFile.BLOCK_BYTES, fileBackend.files().badSlots(),
                fileBackend.writeErrors(), fileBackend.noSpace(), servers.readErrors(), servers.poisoned(),
                fileBackend.swapoffPages(), fileBackend.zswapMaxBytes(),
                reclaimer.backgroundErrors() + fileBackend.backgroundErrors() + prefetchErrors.count()
                        + (groupReclaimer == null ? 0 : groupReclaimer.backgroundErrors()),
                servers.moveMismatches(), servers.evictRefused(), servers.firstTouchAhead(), direct.reclaimedPages(),
                far == null ? 0 : far.pagesUsed(), far == null ? 0 : far.storedBytes(),
                dictionaries == null ? 0 : dictionaries.installed(),
                dictionaries == null ? 0 : dictionaries.pagesCompressed.sum(), servers.aheadRuns(),
                servers.fileAheadReads(), pool.units().pages(), pool.units().stored(), fileBackend.unitsSplit());
    }

    @Override
    public boolean kernelFaultsHandled() {
        return uffd.kernelFaults();
    }

    @Override
    public Compressor compressor() {
        return config.compressor();
    }

    @Override
    public int faultThreads() {
        return config.faultThreads();
    }

    @Override
    public String name() {
        return config.name();
    }

    /**
     * See {@link VSwap#close}. The background threads stop first (the group reclaimer enters the
     * gate, so it must be gone before close holds it), then close waits for the calls in flight,
     * closes every region, and frees the parts only when no region is left open.
     */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        closing = true;
        observed.close();   // its MBeans go first: nothing reaches a VSwap that takes no more calls
        stopBackgroundThreads();
        gate.writeLock().lock();
        try {
            List<Exception> failures = new ArrayList<>();
            for (RegionImpl r : new ArrayList<>(regions)) {
                try {
                    r.close();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            List<RegionImpl> busy = regions.stream().filter(r -> !r.isClosed()).toList();
            if (!busy.isEmpty()) {
                // The kernel may still fault on a busy region: its servers, the userfaultfd, the
                // pool, the staging area and the swap files must outlive it. Keep all of them.
                IllegalStateException e = new IllegalStateException("VSwap not closed: " + busy.size()
                        + " region(s) could not close, kernel I/O or a native call in progress on their segments: "
                        + busy + ". Every other region and the background threads are closed; the fault servers,"
                        + " the userfaultfd and the pool stay up for the busy region(s), which stay usable."
                        + " Call close() again once the I/O has ended");
                failures.forEach(e::addSuppressed);
                throw e;
            }
            Deque<AutoCloseable> parts = new ArrayDeque<>();
            parts.add(swapOut);
            parts.add(reclaimer);
            parts.add(fileBackend);
            parts.add(servers);
            if (dictionaries != null) {
                parts.add(dictionaries);   // after the C context that held them
            }
            parts.add(uffd);
            parts.add(inThreadUffd);
            parts.add(stagingArea::unmap);
            parts.add(poolArea::unmap);
            parts.add(descTable::unmap);
            parts.add(ownerTable::unmap);
            for (AutoCloseable c : parts) {
                try {
                    c.close();
                } catch (Exception e) {
                    failures.add(e);
                }
            }
            released = true;
            if (!failures.isEmpty()) {
                RuntimeException failure = new RuntimeException("closing VSwap");
                failures.forEach(failure::addSuppressed);
                throw failure;
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** The dictionaries of {@link dev.uvswap.VSwap.Builder#dictionaries}, or null without them. */
    public ZstdDictionaries dictionaries() {
        return dictionaries;
    }

    /** {@link dev.uvswap.MemoryGroup#trainDictionary()} of the group that charges {@code account}. */
    public java.util.concurrent.CompletableFuture<dev.uvswap.DictionaryTrial> trainDictionary(
            dev.uvswap.internal.group.Account account) {
        if (dictionaries == null) {
            throw new IllegalStateException("this VSwap was built without dictionaries (VSwap.Builder.dictionaries(true))");
        }
        enter();
        try {
            return dictionaries.of(account).retrain();
        } finally {
            exit();
        }
    }

    /** Stops the group reclaimer and the prefetcher: nothing a region's faults need. Idempotent. */
    private void stopBackgroundThreads() {
        if (dictionaries != null) {
            dictionaries.stopTraining();
        }
        if (groupReclaimer != null) {
            groupReclaimer.close();
        }
        prefetcher.shutdownNow();
        try {
            prefetcher.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "VSwap[" + config.name() + ", " + config.compressor() + ", " + config.faultThreads() + " fault threads, "
                + (uffd.kernelFaults() ? "kernel and user faults" : "user faults only") + ", " + regions.size() + " regions]";
    }
}
