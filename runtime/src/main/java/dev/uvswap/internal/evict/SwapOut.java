package dev.uvswap.internal.evict;

import dev.uvswap.VSwapException;
import dev.uvswap.bindings.uvswap.uvs_completion;
import dev.uvswap.bindings.uvswap.uvs_cresult;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.codec.GroupDictionary;
import dev.uvswap.internal.codec.ZstdDictionaries;
import dev.uvswap.internal.ctx.NativeContext;
import dev.uvswap.internal.file.FileBackend;
import dev.uvswap.internal.file.FileEvents;
import dev.uvswap.internal.file.RunWriter;
import dev.uvswap.internal.file.SwapFiles;
import dev.uvswap.internal.file.Writeback;
import dev.uvswap.internal.group.Account;
import dev.uvswap.internal.os.NativeErrors;
import dev.uvswap.internal.os.Pages;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.PoolHandle;
import dev.uvswap.internal.pool.PoolUnits;
import dev.uvswap.internal.pool.WritebackLru;
import dev.uvswap.internal.ring.CompletionDrainer;
import dev.uvswap.internal.slot.SlotDescriptor;
import dev.uvswap.internal.slot.SlotOwners;
import dev.uvswap.internal.slot.SlotSpace;
import dev.uvswap.internal.staging.StagingArea;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The swap-out path (architecture.md §5.1), one batch of up to 512 pages at a time:
 * allocate slots → uvs_evict (claim, publish CACHE, MOVE into staging) → uvs_compress
 * (classify and compress under a claim) → store each result in the pool and replace CACHE with
 * a CAS. A fault may take a parked page back at any point before that CAS; then the CAS fails
 * and we drop our copy, and the fault's completion frees the slot and the staging page.
 *
 * <p><b>Staging chunks.</b> A batch holds a 2 MiB staging chunk while its pages are parked.
 * A swap-out's hold is brief (until its batch is stored); a parked batch's lasts until it is
 * compressed. So that staging is never a choke point for everyone, parked batches hold at most
 * part of it: aging's a quarter ({@link #parkForAging}), explicit {@link #park}s half; when the
 * area runs short anyway, the oldest explicitly parked batch is compressed to the pool, which
 * frees its chunk ({@link #compressOldestParked}). And a range with nothing resident needs no
 * chunk at all: it is checked first.
 */
public final class SwapOut implements AutoCloseable {
    static final int BATCH = 512;
    private static final long PAGE = Pages.BYTES;

    private final NativeContext servers;
    private final SlotSpace slots;
    private final CompressedPool pool;
    private final StagingArea staging;
    private final CompletionDrainer reclaimer;
    private final SwapFiles files;
    private final WritebackLru ages;
    private final FileEvents events;
    private final Writeback writeback;
    private final SlotOwners owners;
    private final int codec;
    private final int storedFormat;
    /** Compression units (VSwap.Builder.extentCompression): aligned runs of 16 pages leave as one frame. */
    private final boolean units;
    /** Per-group zstd dictionaries, or null (VSwap.Builder.dictionaries). */
    private final ZstdDictionaries dictionaries;
    private final ConcurrentLinkedQueue<Buffers> buffers = new ConcurrentLinkedQueue<>();
    private final Arena arena = Arena.ofShared();

    public final LongAdder pswpout = new LongAdder();
    public final LongAdder zswpout = new LongAdder();
    public final LongAdder swpoutZero = new LongAdder();
    public final LongAdder poolRejects = new LongAdder();
    /** Pages the pool refused that went to a swap file instead. */
    public final LongAdder swpoutFile = new LongAdder();
    /** Whole 2 MiB extents that left in one move (their pages may come back as one huge page). */
    public final LongAdder thpSwpout = new LongAdder();

    /** Native scratch for one batch; reused, one set per concurrent caller. */
    private final class Buffers {
        final long[] vslots = new long[BATCH];
        final MemorySegment vslotSeg = arena.allocate(ValueLayout.JAVA_LONG, BATCH);
        final MemorySegment pages = arena.allocate(ValueLayout.JAVA_LONG, BATCH);
        final MemorySegment results = arena.allocate(uvs_cresult.layout(), BATCH);
        final MemorySegment scratch = arena.allocate(BATCH * PAGE, PAGE);
        final MemorySegment completions = arena.allocate(uvs_completion.layout(), BATCH);
        /** Slots stored in the pool by this batch, for the age list. */
        final long[] stored = new long[BATCH];
        /** Batch entries the pool refused, and what a file write of them needs. */
        final int[] rejected = new int[BATCH];
        final long[] rejectedSlots = new long[BATCH];
        final long[] rejectedOffsets = new long[BATCH];
        final int[] rejectedLengths = new int[BATCH];
        final int[] rejectedFormats = new int[BATCH];
        /** The same, in reject order: what RunWriter reads for a run. */
        final long[] runOffsets = new long[BATCH];
        final int[] runLengths = new int[BATCH];
        final RunWriter writer = new RunWriter();
        /** evict's single run, {first page, pages}. */
        final long[] oneRun = new long[2];
        /** mincore's answer for a batch, a byte a page. */
        final MemorySegment residency = arena.allocate(BATCH);
        /** The account of the batch's region: what its pool bytes and file slots are charged to. */
        Account account;
        /** Told the region page of each page a fault took back before it was stored (aging's touched pages); may be null. */
        LongConsumer touched;
    }

    /**
     * Pages parked by aging (architecture.md §6): entry i used slot {@code vslots[i]} (0: unused) for
     * region page {@code pages[i]} and staging page {@code chunk + i}. The batch holds its staging
     * chunk (one extra live page) until it is compressed or dropped, so no other batch can publish
     * CACHE(chunk + i) meanwhile: an exact CACHE match at compression time is still this page.
     */
    public record Parked(int region, Account account, long chunk, long[] vslots, long[] pages, int used, int parked) { }

    /** Chunks held by aging's parked batches, at most a quarter of the staging area. */
    private final AtomicInteger heldChunks = new AtomicInteger();

    /**
     * How the swap-out path enters the region of an explicitly parked batch, to compress it
     * when another caller needs its chunk: {@code lock} is a side of the region's lock that its
     * operations hold (so its close waits, and is never waited for: it is only tried), and
     * {@code closed} says whether it was closed (its close then freed the batch's pages).
     */
    public record RegionAccess(Lock lock, BooleanSupplier closed) { }

    /** An explicitly parked batch and its region. */
    private record Cached(Parked batch, RegionAccess region) { }

    /** Explicitly parked batches, oldest first: the first compressed when staging runs short. */
    private final ConcurrentLinkedDeque<Cached> cached = new ConcurrentLinkedDeque<>();
    /** Chunks they hold, at most half of the staging area. */
    private final AtomicInteger cachedChunks = new AtomicInteger();
    /** Explicitly parked pages compressed because staging ran short. */
    public final LongAdder parkedCompressed = new LongAdder();

    /** Runs of pages: {@code (first, length)} pairs in {@code runs[0 .. 2 * count)}. */
    public record Runs(long[] runs, int count, int pages) { }

    public SwapOut(NativeContext servers, SlotSpace slots, CompressedPool pool, StagingArea staging, CompletionDrainer reclaimer,
            FileBackend backend, SlotOwners owners, boolean zstd, ZstdDictionaries dictionaries, boolean units) {
        this.owners = owners;
        this.units = units;
        this.dictionaries = dictionaries;
        this.servers = servers;
        this.slots = slots;
        this.pool = pool;
        this.staging = staging;
        this.reclaimer = reclaimer;
        this.files = backend.files;
        this.ages = backend.ages;
        this.events = backend.events;
        this.writeback = backend.writeback();
        this.codec = zstd ? uvswap_h.UVS_CODEC_ZSTD() : uvswap_h.UVS_CODEC_LZ4();
        this.storedFormat = zstd ? uvswap_h.UVS_FMT_ZSTD() : uvswap_h.UVS_FMT_LZ4();
    }

    /** The completion drainer this path hands consumed slots to (tests reach its thread through it). */
    public CompletionDrainer slotReclaimer() {
        return reclaimer;
    }

    /** One batch of at most 512 pages inside one 2 MiB extent; returns its count, with STOP to end the walk. */
    @FunctionalInterface
    private interface BatchStep {
        long run(Buffers b, long firstPage, int pages);
    }

    /** Or-ed into a batch's count to end the walk after it. */
    private static final long STOP = 1L << 62;

    /** Walks the range in batches that end on 512-page boundaries, so they line up with 2 MiB extents. */
    private long inBatches(Account account, long firstPage, long n, BatchStep step) {
        Buffers b = buffers.poll();
        if (b == null) {
            b = new Buffers();
        }
        b.account = account;
        try {
            long total = 0;
            for (long page = firstPage, end = firstPage + n; page < end; ) {
                int count = (int) Math.min(end - page, BATCH - (page % BATCH));
                long got = step.run(b, page, count);
                total += got & (STOP - 1);
                if ((got & STOP) != 0) {
                    break;
                }
                page += count;
            }
            return total;
        } finally {
            buffers.offer(b);
        }
    }

    /** Swaps out the resident pages of {@code [firstPage, firstPage + n)}; returns how many were stored. */
    public long swapOut(int region, Account account, long firstPage, long n) {
        return inBatches(account, firstPage, n, (b, page, count) -> {
            if (!servers.anyResident(region, page, count, b.residency)) {
                return 0;   // nothing to move: no chunk needed
            }
            long chunk = chunkForSwapOut();
            // Held until the batch is stored: faults may take back every page of it meanwhile, and
            // a chunk freed then could go to the next batch, whose (slot, staging page) pairs may
            // repeat ours; our CACHE → ZSWAP CAS would then succeed on its page with our bytes.
            staging.hold(chunk);
            try {
                int used = evict(b, region, page, count, chunk);
                if (used < 0) {
                    throw new VSwapException("swap-out: the slot space is full (" + slots.inUse() + " slots in use)", 0);
                }
                countWholeExtent(b, page, used);
                return used == 0 ? 0 : storeBatch(b, region, chunk, used);
            } finally {
                staging.unhold(chunk);
            }
        });
    }

    /**
     * A chunk for a swap-out batch: a free one, or the one the oldest explicitly parked batches
     * give up when compressed. Waits only when no parked batch can give one up (every chunk is
     * held by a batch in flight, or by aging's quarter); those end by themselves.
     */
    private long chunkForSwapOut() {
        long chunk;
        while ((chunk = staging.allocateChunk(0)) < 0 && compressOldestParked()) {
            // compressed one; its chunk is free unless another caller took it first
        }
        if (chunk < 0) {
            chunk = staging.allocateChunk(30, TimeUnit.SECONDS);
        }
        if (chunk < 0) {
            if (Thread.currentThread().isInterrupted()) {
                throw new VSwapException("swap-out interrupted while waiting for a staging chunk", 0);
            }
            throw new VSwapException("swap-out: no staging chunk became free within 30 s (all "
                    + staging.chunks() + " in use)", 0);
        }
        return chunk;
    }

    /**
     * Moves the resident pages of the range into the staging area (the swap cache) without
     * compressing them; a touch moves a page back with no copy. Explicitly parked pages hold at
     * most half of the staging area: beyond it, and whenever staging runs short, the oldest
     * parked batches (of any region) are compressed to make room. Stops early only when the slot
     * space is full or no chunk can be had. Returns how many pages were parked. {@code access}
     * is how a later caller may enter this region to compress them.
     */
    public long park(int region, Account account, long firstPage, long n, RegionAccess access) {
        return inBatches(account, firstPage, n, (b, page, count) -> {
            if (!servers.anyResident(region, page, count, b.residency)) {
                return 0;   // nothing to move: no chunk needed
            }
            long chunk = chunkForParking();
            if (chunk < 0) {
                return STOP;
            }
            // Held until compressed or dropped: no other batch can publish CACHE in it meanwhile.
            staging.hold(chunk);
            int used = evict(b, region, page, count, chunk);
            if (used < 0) {
                releaseCached(chunk);
                return STOP;
            }
            countWholeExtent(b, page, used);
            Parked p = parkedBatch(b, region, chunk, used);
            if (p.parked() == 0) {
                releaseCached(chunk);
            } else {
                cached.add(new Cached(p, access));
            }
            return p.parked();
        });
    }

    /** A chunk for an explicitly parked batch, within its half of the area; -1 when none can be had. */
    private long chunkForParking() {
        do {
            if (cachedChunks.incrementAndGet() <= staging.chunks() / 2) {
                long chunk = staging.allocateChunk(0);
                if (chunk >= 0) {
                    return chunk;
                }
            }
            cachedChunks.decrementAndGet();
        } while (compressOldestParked());
        return -1;
    }

    /** Ends an explicitly parked batch's hold on its chunk. */
    private void releaseCached(long chunk) {
        staging.unhold(chunk);
        cachedChunks.decrementAndGet();
    }

    /**
     * Staging is short: compresses the oldest explicitly parked batch to the pool, which frees
     * its chunk (pages a fault took back are released by their completions). A batch whose
     * region is busy (being closed, or pinning) is passed over and stays where it was; one
     * whose region was closed is only dropped, its close freed its pages. Returns false when no
     * batch could be taken.
     */
    private boolean compressOldestParked() {
        ArrayDeque<Cached> busy = null;
        try {
            for (Cached c; (c = cached.pollFirst()) != null; ) {
                Lock lock = c.region().lock();
                if (!lock.tryLock()) {
                    // Never wait: its closer may wait for a swap-out that waits for us.
                    (busy == null ? busy = new ArrayDeque<>() : busy).push(c);
                    continue;
                }
                try {
                    if (!c.region().closed().getAsBoolean()) {
                        parkedCompressed.add(storeParked(c.batch(), null));
                    }
                } finally {
                    lock.unlock();
                    releaseCached(c.batch().chunk());
                }
                return true;
            }
            return false;
        } finally {
            while (busy != null && !busy.isEmpty()) {
                cached.offerFirst(busy.pop());   // back at the old end, in their order
            }
        }
    }

    /**
     * The batch uvs_evict made of chunk {@code chunk}: entries it could not move are freed (slot
     * and staging page) and zeroed, so a later {@link #storeBatch} skips them.
     */
    private Parked parkedBatch(Buffers b, int region, long chunk, int used) {
        int parked = 0;
        long[] pages = new long[used];
        for (int i = 0; i < used; i++) {
            pages[i] = b.pages.getAtIndex(ValueLayout.JAVA_LONG, i);
            if (pages[i] == uvswap_h.UVS_NO_PAGE()) {
                slots.free(b.vslots[i]);
                staging.release(chunk + i);
                b.vslots[i] = 0;
            } else {
                parked++;
            }
        }
        return new Parked(region, b.account, chunk, java.util.Arrays.copyOf(b.vslots, used), pages, used, parked);
    }

    /**
     * Parks the given runs of one extent's pages (at most 512 pages in all) for aging, holding one
     * staging chunk. Returns null when no chunk may be had now (the caller compresses directly),
     * or a batch with {@code parked == 0} when none of the pages was resident.
     */
    public Parked parkForAging(int region, Account account, Runs runs) {
        if (heldChunks.incrementAndGet() > staging.chunks() / 4) {
            heldChunks.decrementAndGet();
            return null;
        }
        long chunk = staging.allocateChunk(0);
        if (chunk < 0) {
            heldChunks.decrementAndGet();
            return null;
        }
        Buffers b = buffers.poll();
        if (b == null) {
            b = new Buffers();
        }
        b.account = account;
        try {
            staging.hold(chunk);
            int pos = Math.max(0, evict(b, region, runs, chunk));
            Parked p = parkedBatch(b, region, chunk, pos);
            if (p.parked() == 0) {
                dropParked(p);
            } else {
                account.chargeParked(p.parked());
                servers.groupParked(account.id(), p.parked());
                countWholeExtent(b, p.pages()[0], pos);
            }
            return p;
        } finally {
            buffers.offer(b);
        }
    }

    /**
     * Compresses and stores the pages of a parked batch that are still parked; each page a fault
     * took back meanwhile (touched while parked) goes to {@code touched}. Releases the batch's
     * hold. Returns how many pages were stored. The region must still be open.
     */
    public long compressParked(Parked p, LongConsumer touched) {
        try {
            return storeParked(p, touched);
        } finally {
            dropParked(p);
        }
    }

    /** Compresses and stores what is still parked of a batch (its region open and entered); returns how many were stored. */
    private long storeParked(Parked p, LongConsumer touched) {
        Buffers b = buffers.poll();
        if (b == null) {
            b = new Buffers();
        }
        b.account = p.account();
        b.touched = touched;
        try {
            System.arraycopy(p.vslots(), 0, b.vslots, 0, p.used());
            MemorySegment.copy(p.vslots(), 0, b.vslotSeg, ValueLayout.JAVA_LONG, 0, p.used());
            MemorySegment.copy(p.pages(), 0, b.pages, ValueLayout.JAVA_LONG, 0, p.used());
            return storeBatch(b, p.region(), p.chunk(), p.used());
        } finally {
            b.touched = null;
            buffers.offer(b);
        }
    }

    /** Releases a parked batch's hold on its chunk and its parked charge (its region was closed, or it is done). */
    public void dropParked(Parked p) {
        staging.unhold(p.chunk());
        p.account().chargeParked(-p.parked());
        servers.groupParked(p.account().id(), -p.parked());
        heldChunks.decrementAndGet();
    }

    /** Makes the range present, swapping in what is swapped out; returns how many slots were consumed. */
    public long populate(int region, long firstPage, long n) {
        return inBatches(owners.none(), firstPage, n, (b, page, count) -> {
            long got = NativeErrors.check(uvswap_h.uvs_populate(servers.context(), region, page, count, b.completions),
                    "uvs_populate");
            reclaimer.releaseAll(b.completions, got, true);
            return got;
        });
    }

    /** uvs_evict flags an extent whose 512 pages all left in one batch; count those. */
    private void countWholeExtent(Buffers b, long firstPage, int used) {
        if (used != BATCH || firstPage % BATCH != 0) {
            return;
        }
        for (int i = 0; i < used; i++) {
            if (b.pages.getAtIndex(ValueLayout.JAVA_LONG, i) == uvswap_h.UVS_NO_PAGE()) {
                return;
            }
        }
        thpSwpout.increment();
    }

    /**
     * Allocates slots and moves the batch's resident pages into staging chunk {@code chunk}, which
     * it owns from then on. Returns how many entries of b.vslots/b.pages uvs_evict used (each page
     * parked as CACHE, or UVS_NO_PAGE), or -1 when no slot could be had.
     */
    private int evict(Buffers b, int region, long firstPage, int n, long chunk) {
        b.oneRun[0] = firstPage;
        b.oneRun[1] = n;
        return evict(b, region, new Runs(b.oneRun, 1, n), chunk);
    }

    /** {@link #evict(Buffers, int, long, int, long)} of several runs of pages (at most 512 in all) into one chunk. */
    private int evict(Buffers b, int region, Runs runs, long chunk) {
        int n = runs.pages();
        // Declare the whole batch before any page is parked: a fault may release one at once.
        staging.use(chunk, n);
        int k = slots.allocate(n, b.vslots);   // short only when the slot table is exhausted
        if (k < n) {
            staging.release(chunk + k, n - k);
            if (k == 0) {
                return -1;
            }
        }
        owners.record(b.account, b.vslots, k);
        MemorySegment.copy(b.vslots, 0, b.vslotSeg, ValueLayout.JAVA_LONG, 0, k);
        int used = 0;
        for (int r = 0; r < runs.count() && used < k; r++) {
            int len = (int) Math.min(runs.runs()[2 * r + 1], k - used);
            // Each run's pages take the next unused slots and staging pages: entries stay a dense prefix.
            used += (int) NativeErrors.check(uvswap_h.uvs_evict(servers.context(), region, runs.runs()[2 * r], len,
                    b.vslotSeg.asSlice(used * 8L), chunk + used, b.pages.asSlice(used * 8L)), "uvs_evict");
        }
        if (used < k) {
            slots.free(tail(b.vslots, used, k), k - used);
            staging.release(chunk + used, k - used);
        }
        return used;
    }

    /** Compresses a batch's parked pages and stores them in the pool; returns how many were stored. */
    private long storeBatch(Buffers b, int region, long chunk, int used) {
        GroupDictionary dict = dictionaries == null ? null : dictionaries.of(b.account);
        int slot = dict == null ? -1 : dict.slot();
        NativeErrors.check(uvswap_h.uvs_compress(servers.context(), b.vslotSeg, used, chunk, codec, slot,
                units ? unitMask(b, used) : 0, b.scratch, b.results), "uvs_compress");
        if (dict != null) {
            dict.offer(b.results, b.scratch, used, slot);
            if (slot >= 0) {
                dictionaries.pagesCompressed.add(countCompressed(b.results, used));
            }
        }
        long stored = 0;
        int inPool = 0;
        int rejected = 0;
        for (int i = 0; i < used; i++) {
            long page = b.pages.getAtIndex(ValueLayout.JAVA_LONG, i);
            if (page == uvswap_h.UVS_NO_PAGE()) {
                // Never left the region; uvs_evict already reset the descriptor (0: a parked batch freed it).
                if (b.vslots[i] != 0) {
                    slots.free(b.vslots[i]);
                    staging.release(chunk + i);
                }
                continue;
            }
            if (kindOf(b, i) == uvswap_h.UVS_CR_UNIT()) {
                int got = storeUnit(b, i, chunk, inPool);
                if (got >= 0) {
                    stored += got;
                    inPool += got;
                    i += PoolUnits.PAGES - 1;
                    continue;
                }
                // The pool or the group's zswapMax refused the unit: its pages go alone, as without units.
                compressAlone(b, i, chunk, slot);
            }
            switch (store(b, i, chunk + i)) {
                case STORED -> stored++;
                case POOLED -> {
                    stored++;
                    b.stored[inPool++] = b.vslots[i];
                }
                case REJECTED -> b.rejected[rejected++] = i;
                case TAKEN -> {
                    if (b.touched != null) {
                        b.touched.accept(page);
                    }
                }
            }
        }
        if (inPool > 0) {
            ages.add(b.stored, inPool);
            writeback.poolGrew();
        }
        if (rejected > 0) {
            int toFile = files.isEmpty() ? 0 : writeRejected(b, chunk, rejected);
            stored += toFile;
            bringBackRejected(b, region, chunk, rejected);
        }
        return stored;
    }

    /**
     * The aligned runs of 16 pages this batch moved out together (bit u: entries [16u, 16u + 16)
     * hold region pages p..p+15 with p a multiple of 16): pages that left with their neighbours,
     * which a reader is likely to want back together, so one frame for them costs a 4 KiB fault
     * little and saves pool bytes. Scattered cold pages stay alone.
     */
    private static int unitMask(Buffers b, int used) {
        int mask = 0;
        for (int u = 0; (u + 1) * PoolUnits.PAGES <= used; u++) {
            int i = u * PoolUnits.PAGES;
            long first = b.pages.getAtIndex(ValueLayout.JAVA_LONG, i);
            boolean run = first != uvswap_h.UVS_NO_PAGE() && first % PoolUnits.PAGES == 0;
            for (int k = 1; run && k < PoolUnits.PAGES; k++) {
                run = b.pages.getAtIndex(ValueLayout.JAVA_LONG, i + k) == first + k;
            }
            mask |= run ? 1 << u : 0;
        }
        return mask;
    }

    private static int kindOf(Buffers b, int i) {
        return b.results.get(ValueLayout.JAVA_INT, i * uvs_cresult.sizeof() + uvs_cresult.kind$offset());
    }

    /**
     * Stores the unit uvs_compress made of entries [i, i + 16): its frame as pool pieces, then a
     * CACHE → ZSWAP(unit page) CAS for each page; a page a fault took back meanwhile gives its
     * bit (and its share of the charge) back. The stored pages' slots go to b.stored from
     * {@code inPool} on, for the age list. Returns how many pages it stored, or -1 when the
     * pool or the group's zswapMax refused the unit (nothing changed: the pages are still parked).
     */
    private int storeUnit(Buffers b, int i, long chunk, int inPool) {
        int len = b.results.get(ValueLayout.JAVA_INT, i * uvs_cresult.sizeof() + uvs_cresult.len$offset());
        PoolUnits u = pool.units();
        if (!b.account.zswapAllows(PoolUnits.bytesFor(len))) {
            b.account.rejectedAtZswapMax();
            return -1;
        }
        long header = u.store(b.scratch.asSlice((long) i * PAGE, len), len, b.vslots, i);
        if (header < 0) {
            return -1;
        }
        int bytes = u.bytes(header);
        b.account.chargeZswap(bytes);
        int stored = 0;
        for (int k = 0; k < PoolUnits.PAGES; k++) {
            long stagingPage = chunk + i + k;
            // CAS (volatile): publishes the header and pieces written above with the first page.
            if (slots.transitions().cacheToZswap(b.vslots[i + k], stagingPage, PoolUnits.handle(header, k))) {
                staging.release(stagingPage);
                pswpout.increment();
                zswpout.increment();
                b.stored[inPool + stored++] = b.vslots[i + k];   // on the age list: writeback splits units
            } else {
                b.account.chargeZswap(-u.release(header, k));
                if (b.touched != null) {
                    b.touched.accept(b.pages.getAtIndex(ValueLayout.JAVA_LONG, i + k));
                }
            }
        }
        return stored;
    }

    /** Compresses entries [i, i + 16) again one page at a time, over the unit's results and scratch. */
    private void compressAlone(Buffers b, int i, long chunk, int slot) {
        long rec = uvs_cresult.sizeof();
        NativeErrors.check(uvswap_h.uvs_compress(servers.context(), b.vslotSeg.asSlice((long) i * Long.BYTES),
                PoolUnits.PAGES, chunk + i, codec, slot, 0, b.scratch.asSlice((long) i * PAGE),
                b.results.asSlice(i * rec)), "uvs_compress (a unit's pages alone)");
    }

    private static int countCompressed(MemorySegment results, int n) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            k += results.get(ValueLayout.JAVA_INT, i * uvs_cresult.sizeof() + uvs_cresult.kind$offset())
                    == uvswap_h.UVS_CR_ZSTD() ? 1 : 0;
        }
        return k;
    }

    private static long[] tail(long[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    private enum Outcome { STORED, POOLED, REJECTED, TAKEN }

    private Outcome store(Buffers b, int i, long stagingPage) {
        long vslot = b.vslots[i];
        long rec = i * uvs_cresult.sizeof();
        int kind = b.results.get(ValueLayout.JAVA_INT, rec + uvs_cresult.kind$offset());
        if (kind == uvswap_h.UVS_CR_LOST()) {
            return Outcome.TAKEN;
        }
        long offset = -1;
        int length = 0;
        long handle = 0;   // the pool handle; 0 for a zero page
        if (kind != uvswap_h.UVS_CR_ZERO()) {
            int fmt;
            if (kind == uvswap_h.UVS_CR_FILL()) {
                length = Long.BYTES;
                fmt = uvswap_h.UVS_FMT_FILL();
            } else {
                length = b.results.get(ValueLayout.JAVA_INT, rec + uvs_cresult.len$offset());
                fmt = kind == uvswap_h.UVS_CR_RAW() ? uvswap_h.UVS_FMT_RAW() : storedFormat;
            }
            if (!b.account.zswapAllows(length)) {
                b.account.rejectedAtZswapMax();
                rejectedForm(b, i, kind, length, fmt);
                return Outcome.REJECTED;
            }
            offset = pool.allocate(length);
            if (offset < 0) {
                rejectedForm(b, i, kind, length, fmt);
                return Outcome.REJECTED;
            }
            b.account.chargeZswap(length);
            if (kind == uvswap_h.UVS_CR_FILL()) {
                pool.area().set(ValueLayout.JAVA_LONG_UNALIGNED, offset,
                        b.results.get(ValueLayout.JAVA_LONG, rec + uvs_cresult.fill$offset()));
            } else {
                MemorySegment.copy(b.scratch, i * PAGE, pool.area(), offset, length);
            }
            handle = PoolHandle.handle(offset, length, fmt);
        }
        // CAS (volatile): releases the pool bytes written above to any server that acquires the
        // descriptor, and fails if a fault claimed the parked page while we compressed it.
        boolean won = kind == uvswap_h.UVS_CR_ZERO()
                ? slots.transitions().cacheToZero(vslot, stagingPage)
                : slots.transitions().cacheToZswap(vslot, stagingPage, handle);
        if (!won) {
            if (offset >= 0) {
                pool.free(offset, length);
                b.account.chargeZswap(-length);
            }
            return Outcome.TAKEN;
        }
        staging.release(stagingPage);
        pswpout.increment();
        if (kind == uvswap_h.UVS_CR_ZERO()) {
            swpoutZero.increment();
            return Outcome.STORED;
        }
        zswpout.increment();
        return Outcome.POOLED;
    }

    /** Notes a refused page's stored form (its bytes stay in scratch page i) for a file write. */
    private static void rejectedForm(Buffers b, int i, int kind, int length, int fmt) {
        if (kind == uvswap_h.UVS_CR_FILL()) {
            b.scratch.set(ValueLayout.JAVA_LONG, i * PAGE,
                    b.results.get(ValueLayout.JAVA_LONG, i * uvs_cresult.sizeof() + uvs_cresult.fill$offset()));
        }
        b.rejectedOffsets[i] = i * PAGE;
        b.rejectedLengths[i] = length;
        b.rejectedFormats[i] = fmt;
    }

    /**
     * The pool refused these pages: write them to a swap file, packed into whole blocks
     * (allocated now, the lazy allocation of vswap), and flip CACHE → FILE. A page a fault took
     * back meanwhile keeps its CAS from succeeding and its file bytes are given back. Returns how many went to a file; the
     * rest stay CACHE for {@link #bringBackRejected}.
     */
    private int writeRejected(Buffers b, long chunk, int rejected) {
        long[] offs = b.runOffsets;
        int[] lens = b.runLengths;
        for (int r = 0; r < rejected; r++) {
            int i = b.rejected[r];
            b.rejectedSlots[r] = b.vslots[i];
            offs[r] = b.rejectedOffsets[i];
            lens[r] = b.rejectedLengths[i];
        }
        int written = 0;
        for (int done = 0; done < rejected; ) {
            int allowed = b.account.fileSlotsAllowed(rejected - done);
            if (allowed == 0) {
                break;   // writeback off or swapMax reached for this group: the pages stay in memory
            }
            SwapFiles.Run run = files.allocate(b.rejectedSlots, lens, done, allowed);
            if (run == null) {
                events.noRoom(files);
                break;
            }
            b.account.chargeSwap(run.length());
            int err = b.writer.write(run, b.scratch, offs, lens, done);
            if (err != 0) {
                b.account.chargeSwap(-run.length());
                events.writeFailed(run, -err);
                done += run.length();
                continue;
            }
            for (int k = 0; k < run.length(); k++) {
                int i = b.rejected[done + k];
                long fh = run.handle(k, lens[done + k], b.rejectedFormats[i]);
                // CAS (volatile): the bytes are in the file before a server can acquire FILE.
                if (slots.transitions().cacheToFile(b.vslots[i], chunk + i, fh)) {
                    files.published(fh);
                    staging.release(chunk + i);
                    pswpout.increment();
                    swpoutFile.increment();
                    written++;
                } else {
                    run.free(k, lens[done + k]);
                    b.account.chargeSwap(-1);
                }
            }
            done += run.length();
        }
        return written;
    }

    /** Refused pages no file took: move them back into the region (they were never lost). */
    private void bringBackRejected(Buffers b, int region, long chunk, int rejected) {
        for (int r = 0; r < rejected; r++) {
            int i = b.rejected[r];
            long page = b.pages.getAtIndex(ValueLayout.JAVA_LONG, i);
            if (slots.descriptorAcquire(b.vslots[i]) != SlotDescriptor.cache(chunk + i)) {
                continue;   // written to a file, or taken back by a fault already
            }
            long got = NativeErrors.check(uvswap_h.uvs_populate(servers.context(), region, page, 1, b.completions),
                    "uvs_populate (returning a page the pool refused)");
            reclaimer.releaseAll(b.completions, got, false);
            poolRejects.increment();
        }
    }

    @Override
    public void close() {
        for (Buffers b : buffers) {
            b.writer.close();
        }
        buffers.clear();
        arena.close();
    }
}
