package dev.uvswap.internal.group;

import dev.uvswap.MemoryGroup;
import dev.uvswap.internal.BackgroundErrors;
import dev.uvswap.internal.ctx.NativeContext;
import dev.uvswap.internal.region.RegionImpl;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps every memory group under its limits (architecture.md §6): a daemon thread checks the group
 * tree every few milliseconds, or at once when a limit changes, and swaps pages out of a group
 * that is over its high or max limit, round robin over the regions of its subtree, each from
 * where its clock hand stopped, one 2 MiB extent at a time (so extents leave whole). It reclaims
 * a little below the limit, so it works in batches rather than a page per check.
 */
public final class GroupReclaimer implements AutoCloseable {
    public static final long PERIOD_NANOS = 5_000_000;
    /**
     * How long a throttle holds faults unless renewed. Reclaim renews it after each batch it
     * parks or compresses; past it the servers hold on only while this thread is runnable
     * (uvs_group_throttle), so it lapses when this thread is stopped: at a safepoint, which may
     * be waiting for the very thread whose fault is held (C2 polls only every ~1000 iterations of
     * a counted loop, a fault each), or in a GC. A lapsed lease lets the faults through; the hold
     * never waits on a JVM waiting on it. A thread that is merely descheduled or slow (a batch
     * takes tens of ms on a loaded machine) keeps its hold: otherwise the group runs past its max.
     */
    static final long THROTTLE_LEASE_NANOS = 10_000_000;
    public static final long EXTENT = RegionImpl.EXTENT;

    private final List<MemoryGroupImpl> top;
    /**
     * The doorbell is native (an eventfd): a fault held for a group past its hold rings it, and
     * the fault path counts this thread as working while it waits there, not as stopped.
     */
    private final NativeContext doorbell;
    private final Thread thread;
    private volatile boolean stopping;
    /** Failures a check threw; the thread carries on with the next group and the next period. */
    private final BackgroundErrors errors = new BackgroundErrors("uvswap-group-reclaim");
    /** Tests: a failure the next check of a group throws, as a bug in it would (by group: tests share a JVM). */
    private static final Map<MemoryGroupImpl, RuntimeException> INJECTED = new ConcurrentHashMap<>();

    /**
     * @param servers the fault path: told which thread makes room (a group's hold lasts only
     *                while that thread is runnable or waits on its doorbell), and the doorbell
     */
    public GroupReclaimer(List<MemoryGroupImpl> top, NativeContext servers) {
        this.top = top;
        this.doorbell = servers;
        this.thread = Thread.ofPlatform().daemon().name("uvswap-group-reclaim").unstarted(() -> {
            try {
                servers.registerReclaimer();
            } catch (RuntimeException e) {
                errors.report(e);   // a VSwap closing as it starts: nothing to hold for
            }
            run();
        });
        thread.start();
    }

    /** A limit changed: a group that gave up may succeed now, try at once. */
    public void limitChanged(MemoryGroupImpl g) {
        retryNow.add(g);
        doorbell.wakeReclaimer();
    }

    private final java.util.Set<MemoryGroupImpl> retryNow = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Checks every group each period until closed. A check that throws is counted and logged,
     * and the loop goes on: one failure must not leave every group's limits unenforced (a
     * throttle it left on is a lease that lapses by itself). Each group is checked on its own,
     * so a group whose check keeps failing does not starve the others.
     */
    private void run() {
        while (!stopping) {
            try {
                doorbell.reclaimerWait(PERIOD_NANOS);
            } catch (RuntimeException e) {
                errors.report(e);
                return;
            }
            if (stopping) {
                return;
            }
            for (MemoryGroupImpl g : top) {
                try {
                    throwIfInjected(g);
                    check(g);
                } catch (RuntimeException | Error e) {
                    errors.report(e);
                }
            }
        }
    }

    /** Failures the thread caught and survived. */
    public long backgroundErrors() {
        return errors.count();
    }

    /** Tests: the reclaimer's next check of {@code g} (a top-level group) throws {@code failure}. */
    public static void injectOnce(MemoryGroupImpl g, RuntimeException failure) {
        INJECTED.put(g, failure);
    }

    private static void throwIfInjected(MemoryGroupImpl g) {
        RuntimeException f = INJECTED.isEmpty() ? null : INJECTED.remove(g);
        if (f != null) {
            throw f;
        }
    }

    /** Children first: a child over its own limit gives back its pages before its parent picks among all. */
    private void check(MemoryGroupImpl g) {
        for (MemoryGroupImpl c : g.children()) {
            check(c);
        }
        long now = System.nanoTime();
        if (retryNow.remove(g)) {
            g.backoffNanos = 0;
            stuck(g, false);
        }
        if (g.backoffNanos > 0 && now - g.retryAt < 0) {
            return;   // found nothing to take lately; the pages it has cannot leave (pool full, no file)
        }
        long current = g.memoryCurrent();
        long max = g.memoryMax();
        long high = g.memoryHigh();
        // memory.max holds: a group past it by more than the slack has its faults wait until
        // reclaim brings it back under (the kernel's charge-time reclaim; here the faulting
        // thread waits while this thread reclaims, so writing and compressing still overlap).
        if (pastSlack(current, max)) {
            throttle(g, true);
        } else if (current <= max) {
            throttle(g, false);
        }
        // Refaults from less than the group's memory ago are working-set refaults (thrashing).
        g.account().setWorkingsetPages(Math.min(current, Math.min(max, high)) / RegionImpl.PAGE);
        if (current > max) {
            g.maxEvents.increment();
        } else if (current > high) {
            g.highEvents.increment();
        } else {
            return;
        }
        long limit = Math.min(max, high);
        long target = limit - Math.min(limit / 32, EXTENT);   // a batch below the limit
        long want = current - target;
        // Pages still parked in aging's window leave on a later check: not a failure, unless
        // pages whose window passed were tried and none could be stored (nothing can leave).
        long aged = agedPagesOfSubtree(g);
        long direct = g.directReclaimedPagesOfSubtree();
        // A throttled group's faults wait for this: compress what aging parked now, not a period later.
        long got = reclaim(g, want, g.throttled);
        // Stuck means nothing can leave: this pass took nothing (not merely less than it wanted,
        // which is what a pass racing the faults' own reclaim sees) and the faults' direct reclaim
        // took nothing since the last check either. A stuck group's limits are lifted in C, so a
        // wrong verdict lets the group run past max until the next check.
        boolean tookNothing = got == 0 && direct == g.directPagesSeen;
        g.directPagesSeen = direct;
        boolean stuck = tookNothing && (agedPagesOfSubtree(g) > aged || g.account().parkedPages() == 0);
        long after = g.memoryCurrent();
        if (got < want && after > limit && stuck) {
            g.reclaimFailures.increment();
            throttle(g, false);   // nothing can leave: waiting would not bring the group under
            stuck(g, true, after);
            // Back off, 10 ms doubling to 1 s: every try evicts and brings back what cannot leave.
            g.backoffNanos = Math.min(Math.max(2 * g.backoffNanos, 10_000_000L), 1_000_000_000L);
            g.retryAt = now + g.backoffNanos;
        } else {
            g.backoffNanos = 0;
            stuck(g, false);
            if (g.memoryCurrent() <= max) {
                throttle(g, false);
            } else if (g.throttled) {
                doorbell.wakeReclaimer();   // faults are waiting: check again at once, not a period later
            }
        }
    }

    /** Tells the fault path whether to hold the group's faults for reclaim (not while nothing can leave). */
    private void stuck(MemoryGroupImpl g, boolean stuck) {
        stuck(g, stuck, g.memoryCurrent());
    }

    private void stuck(MemoryGroupImpl g, boolean stuck, long current) {
        if (g.reclaimStuck != stuck) {
            g.currentAtVerdict = current;
            g.reclaimStuck = stuck;
            g.owner().groupPlacedIfOpen(g);
        }
    }

    /** A batch takes ms: a writer may pass max+slack meanwhile, so each batch looks again (and renews the lease). */
    private static void holdIfPastMax(MemoryGroupImpl g) {
        if (g.throttled || pastSlack(g.memoryCurrent(), g.memoryMax())) {
            throttle(g, true);
        }
    }

    /** Past max by more than the slack: the group's faults should wait (never for an unlimited max). */
    private static boolean pastSlack(long current, long max) {
        return max != MemoryGroup.UNLIMITED && current - max > throttleSlack(max);   // no overflow near UNLIMITED
    }

    /** How far past memoryMax a group may run before its faults wait: a couple of extents, or 1/64. */
    public static long throttleSlack(long max) {
        return Math.max(2 * EXTENT, max / 64);
    }

    /**
     * Turns the group's throttle on (for a lease from now) or off and tells its subtree's regions
     * (each is held when any group above it is throttled). Turning it on again renews the lease
     * and tells regions created since. {@code throttled} is set after the regions are told to
     * hold and cleared before they are let go: whoever reads it true, the servers were holding.
     */
    private static void throttle(MemoryGroupImpl g, boolean on) {
        if (!on && !g.throttled) {
            return;
        }
        // One lease for the group: the fault path looks at every group above a region, so a
        // subtree's thousand regions cost one call here, not a thousand per batch.
        g.owner().throttle(g, on ? System.nanoTime() + THROTTLE_LEASE_NANOS : 0);   // CLOCK_MONOTONIC, as the servers read it
        g.throttled = on;
    }

    private static long agedPagesOfSubtree(MemoryGroupImpl g) {
        long n = g.agedPages.sum();
        for (MemoryGroupImpl c : g.children()) {
            n += agedPagesOfSubtree(c);
        }
        return n;
    }

    /** Deactivation steps a reclaim may take when only active pages are left: 1/8 of each region a step. */
    private static final int DEACTIVATE_STEPS = 8;

    /**
     * Swaps out up to {@code bytes} (rounded up to whole extents) from the group's subtree, an
     * extent from each region in turn (RegionImpl.reclaimStep: cold advice first, then aging);
     * returns the bytes that left memory. A round that takes nothing while pages wait in aging's
     * window ends a background reclaim (the next check, a period later, finds them aged); a
     * proactive one compresses them at once. When a round finds nothing inactive at all, the
     * active list is aged (an eighth of each region's active marks cleared) and the round tried
     * again, the kernel's shrink_active_list when the inactive list runs dry.
     */
    public static long reclaim(MemoryGroupImpl g, long bytes, boolean proactive) {
        long got = 0;
        List<RegionImpl> regions = g.regionsForReclaim();
        long windowPages = windowPages(g, regions.size());
        int deactivations = 0;
        boolean force = false;
        while (got < bytes && !regions.isEmpty()) {
            long round = 0;
            for (RegionImpl r : regions) {
                if (got >= bytes) {
                    break;
                }
                long n = r.reclaimStep(Math.min(bytes - got, EXTENT), windowPages, force, () -> holdIfPastMax(g));
                round += n;
                got += n;
                g.reclaimedBytes.add(n);
                holdIfPastMax(g);
            }
            if (round > 0) {
                force = false;
                continue;
            }
            if (regions.stream().anyMatch(RegionImpl::hasParked)) {
                if (!proactive || force) {
                    break;
                }
                force = true;
                continue;
            }
            if (deactivations++ == DEACTIVATE_STEPS || !deactivate(regions)) {
                break;
            }
        }
        return got;
    }

    /**
     * Aging's window, per region: the pages it may hold parked (in memory, uncompressed) while
     * they wait to be touched or compressed. A sixteenth of the group's limit in all, so the
     * window never crowds out the working set it is there to find; 32..512 pages a region.
     */
    private static long windowPages(MemoryGroupImpl g, int regions) {
        long limit = Math.min(g.memoryHigh(), g.memoryMax());
        if (limit == MemoryGroup.UNLIMITED) {
            limit = g.memoryCurrent();
        }
        long pages = limit / 16 / RegionImpl.PAGE / Math.max(1, regions);
        return Math.clamp(pages, 32, RegionImpl.EXTENT / RegionImpl.PAGE);
    }

    /** Clears an eighth of each region's active marks; false when no region has any. */
    private static boolean deactivate(List<RegionImpl> regions) {
        boolean any = false;
        for (RegionImpl r : regions) {
            if (r.hasActive()) {
                r.deactivate((r.size() / RegionImpl.PAGE + DEACTIVATE_STEPS - 1) / DEACTIVATE_STEPS);
                any = true;
            }
        }
        return any;
    }

    @Override
    public void close() {
        stopping = true;
        doorbell.wakeReclaimer();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
