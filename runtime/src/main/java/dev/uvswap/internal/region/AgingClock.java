package dev.uvswap.internal.region;

import dev.uvswap.internal.evict.ColdRanges;
import dev.uvswap.internal.evict.SwapOut;
import dev.uvswap.internal.group.GroupReclaimer;
import dev.uvswap.internal.os.PageBits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The reclaim clock over one region's pages (architecture.md §6): ranges advised cold go first;
 * then a clock with second chance parks the next candidates in the swap cache, into aging's
 * window, and stores the batches whose window has passed; a page touched while parked joins the
 * active list and is passed over until the active list is aged ({@link #deactivate}).
 *
 * <p>It takes no lock of its own: its region calls {@link #step} and {@link #cold} under the read
 * side of the region lock and {@link #dropAll} under the write side (close), so a close never
 * overlaps a step. Swap-out is reached through {@link Eviction} alone, so the policy can be driven
 * with a fake.
 */
final class AgingClock {
    /** What the clock asks of swap-out, for its region's pages and group ({@link SwapOut} in the runtime). */
    interface Eviction {
        /** Swaps out the resident pages of {@code [firstPage, firstPage + pages)} that are not pinned, now; returns how many were stored. */
        long swapOut(long firstPage, long pages);

        /** Parks the runs in the swap cache (a move, no compression); null when no staging chunk may be held now. */
        SwapOut.Parked park(SwapOut.Runs runs);

        /** Compresses and stores what is still parked of a batch; each page a fault took back goes to {@code touched}. Returns the pages stored. */
        long store(SwapOut.Parked batch, LongConsumer touched);

        /** Lets go of a batch without storing it (its region is closing, and frees its slots and pages). */
        void drop(SwapOut.Parked batch);
    }

    /**
     * How long a parked batch stays in the window before it may be compressed: one period of
     * the group reclaimer, so a page touched more often than that is always found touched.
     */
    static final long WINDOW_NANOS = GroupReclaimer.PERIOD_NANOS;
    private static final long EXTENT_PAGES = RegionImpl.EXTENT / RegionImpl.PAGE;

    /** A parked batch and when it was parked. */
    private record Aging(SwapOut.Parked batch, long parkedAt) { }

    private final long pages;
    /** The region's page map, one word a page: 0 is resident (or never touched), anything else has left. */
    private final MemorySegment pageMap;
    /** The region's pins: read only here (pages pinned are never candidates). */
    private final PageBits pinned;
    private final Eviction eviction;
    /** nanoTime, or a test's clock: when a batch was parked and whether its window passed. */
    private final LongSupplier now;

    /** The hand: the page where the next step starts (mid-extent when a window filled there). */
    private final AtomicLong hand = new AtomicLong();
    /** Where the next deactivation starts (extent aligned). */
    private final AtomicLong activeHand = new AtomicLong();
    /** Pages touched while parked: the active list. The hand passes them over while it has others. */
    private final PageBits active;
    /** Parked batches, oldest first: the inactive list's window. */
    private final ConcurrentLinkedDeque<Aging> parked = new ConcurrentLinkedDeque<>();
    /** Pages held parked (this region's share of the group's window). */
    private final AtomicLong parkedPages = new AtomicLong();
    /**
     * Ranges advised cold, swapped out before anything else: bounded (coalesced, coarsened past
     * {@link RegionImpl#MAX_COLD_RANGES}), since a group under its limits may never take them.
     */
    private final ColdRanges coldRanges = new ColdRanges(RegionImpl.MAX_COLD_RANGES);

    AgingClock(long pages, MemorySegment pageMap, PageBits pinned, Eviction eviction, LongSupplier now) {
        this.pages = pages;
        this.pageMap = pageMap;
        this.pinned = pinned;
        this.eviction = eviction;
        this.now = now;
        this.active = new PageBits(pages);
    }

    /**
     * Advice that {@code [first, first + n)} is cold: its pages leave the active list, and with
     * {@code remember} the range is swapped out before anything else by the next step.
     */
    void cold(long first, long n, boolean remember) {
        active.setRange(first, n, false);
        if (remember) {
            coldRanges.add(first, n);
        }
    }

    /** Whether a step has nothing of its own to take (no parked batch, no cold range): resident pages aside. */
    boolean idle() {
        return parked.isEmpty() && coldRanges.isEmpty();
    }

    /**
     * One step, up to {@code bytes}: cold ranges first, swapped out at once. Then the hand parks
     * the next extent's candidates (a move, no compression), and once {@code windowPages} are
     * parked the oldest batch is stored, if its window has passed or {@code force}. Returns the
     * bytes that left memory. {@code progress} runs after each batch parked or stored.
     */
    long step(long bytes, long windowPages, boolean force, Runnable progress) {
        long[] got = {swapOutColdRanges(bytes)};
        for (long scanned = 0; got[0] < bytes; ) {
            long room = windowPages - parkedPages.get();
            if (room > 0 && scanned < pages) {
                scanned += parkNext(pages - scanned, (int) Math.min(room, EXTENT_PAGES), got);
                progress.run();
                continue;
            }
            Aging aging = parked.poll();
            if (aging == null) {
                break;
            }
            if (!force && now.getAsLong() - aging.parkedAt() < WINDOW_NANOS) {
                parked.offerFirst(aging);   // still in its window: the next step takes it
                break;
            }
            SwapOut.Parked oldest = aging.batch();
            parkedPages.addAndGet(-oldest.parked());
            got[0] += eviction.store(oldest, active::set) * RegionImpl.PAGE;
            progress.run();
        }
        return got[0];
    }

    private long swapOutColdRanges(long bytes) {
        long got = 0;
        long[] range;
        // At most what is still wanted (up to an extent boundary), so coarse advice leaves a bit at a time.
        while (got < bytes && (range = coldRanges.poll((bytes - got) / RegionImpl.PAGE, EXTENT_PAGES)) != null) {
            got += eviction.swapOut(range[0], range[1]) * RegionImpl.PAGE;
        }
        return got;
    }

    /**
     * Parks the candidates of the next extent from the hand that has any (resident-looking:
     * page-map word 0, not active, not pinned), at most {@code max} of them, scanning at most
     * {@code budget} pages. Returns the pages scanned. Without a staging chunk to hold, the
     * candidates are swapped out directly and their bytes added to {@code got[0]}.
     */
    private long parkNext(long budget, int max, long[] got) {
        long[] runs = new long[2 * (int) EXTENT_PAGES];
        long scanned = 0;
        while (scanned < budget) {
            long first = Math.floorMod(hand.get(), pages);
            long n = Math.min(EXTENT_PAGES - first % EXTENT_PAGES, pages - first);   // within one extent
            hand.set((first + n) % pages);
            scanned += n;
            int count = 0;
            int candidates = 0;
            for (long p = first, end = first + n; p < end; ) {
                while (p < end && !candidate(p)) {
                    p++;
                }
                long start = p;
                while (p < end && candidate(p)) {
                    p++;
                }
                if (p > start) {
                    long len = Math.min(p - start, max - candidates);
                    runs[2 * count] = start;
                    runs[2 * count + 1] = len;
                    count++;
                    candidates += (int) len;
                    if (candidates == max) {
                        // The rest of the extent is next, and is not scanned yet: counting it
                        // scanned let a region whose hand sat before a stretch of never-touched
                        // pages (they look like candidates) spend its whole budget there, and a
                        // proactive reclaim of it found nothing while hundreds of pages were resident.
                        hand.set((start + len) % pages);
                        scanned -= first + n - (start + len);
                        break;
                    }
                }
            }
            if (candidates == 0) {
                continue;
            }
            SwapOut.Parked batch = eviction.park(new SwapOut.Runs(runs, count, candidates));
            if (batch == null) {
                for (int i = 0; i < count; i++) {   // no chunk to hold: no aging window for these
                    got[0] += eviction.swapOut(runs[2 * i], runs[2 * i + 1]) * RegionImpl.PAGE;
                }
                return scanned;
            }
            if (batch.parked() > 0) {
                parkedPages.addAndGet(batch.parked());
                parked.add(new Aging(batch, now.getAsLong()));
                return scanned;
            }
        }
        return scanned;
    }

    private boolean candidate(long page) {
        return pageMap.getAtIndex(ValueLayout.JAVA_LONG, page) == 0
                && !(active.everSet() && active.get(page)) && !(pinned.everSet() && pinned.get(page));
    }

    /**
     * Ages the active list: clears the active marks of the next {@code n} pages from the
     * deactivation hand, so the clock may take them. The group reclaimer calls it when a round
     * over its regions found nothing inactive to take.
     */
    void deactivate(long n) {
        long first = Math.floorMod(activeHand.get(), pages);
        long k = Math.min(n, pages - first);
        active.setRange(first, k, false);
        activeHand.set((first + k) % pages);
    }

    /** Whether parked pages wait in the window (a later step may store them once it passes). */
    boolean hasParked() {
        return parkedPages.get() > 0;
    }

    /** Whether any page is marked active (deactivation can free something). */
    boolean hasActive() {
        return active.everSet();
    }

    int coldRangeCount() {
        return coldRanges.size();
    }

    /**
     * The region is closing (its write lock held): lets go of every parked batch, so none is
     * lost with the clock (the region's release frees their slots and pages), and forgets the
     * cold advice.
     */
    void dropAll() {
        for (Aging a; (a = parked.poll()) != null; ) {
            parkedPages.addAndGet(-a.batch().parked());
            eviction.drop(a.batch());
        }
        coldRanges.clear();
    }
}
