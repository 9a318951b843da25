package dev.uvswap;

import dev.uvswap.internal.Doorbell;

import java.util.List;

/**
 * Keeps every memory group under its limits (DESIGN.md §6): a daemon thread checks the group
 * tree every few milliseconds, or at once when a limit changes, and swaps pages out of a group
 * that is over its high or max limit, round robin over the regions of its subtree, each from
 * where its clock hand stopped, one 2 MiB extent at a time (so extents leave whole). It reclaims
 * a little below the limit, so it works in batches rather than a page per check.
 */
final class GroupReclaimer implements AutoCloseable {
    private static final long PERIOD_NANOS = 5_000_000;
    static final long EXTENT = RegionImpl.EXTENT;

    private final List<MemoryGroupImpl> top;
    private final Doorbell doorbell = new Doorbell();
    private final Thread thread;
    private volatile boolean stopping;

    GroupReclaimer(List<MemoryGroupImpl> top) {
        this.top = top;
        this.thread = Thread.ofPlatform().daemon().name("uvswap-group-reclaim").unstarted(this::run);
        thread.start();
    }

    /** A limit changed: a group that gave up may succeed now, try at once. */
    void limitChanged(MemoryGroupImpl g) {
        retryNow.add(g);
        doorbell.ring();
    }

    private final java.util.Set<MemoryGroupImpl> retryNow = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void run() {
        while (!stopping) {
            try {
                doorbell.await(PERIOD_NANOS);
            } catch (InterruptedException e) {
                return;
            }
            for (MemoryGroupImpl g : top) {
                check(g);
            }
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
        }
        if (g.backoffNanos > 0 && now - g.retryAt < 0) {
            return;   // found nothing to take lately; the pages it has cannot leave (pool full, no file)
        }
        long current = g.memoryCurrent();
        long max = g.memoryMax();
        long high = g.memoryHigh();
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
        if (reclaim(g, want) < want && g.memoryCurrent() > limit) {
            g.reclaimFailures.increment();
            // Back off, 10 ms doubling to 1 s: every try evicts and brings back what cannot leave.
            g.backoffNanos = Math.min(Math.max(2 * g.backoffNanos, 10_000_000L), 1_000_000_000L);
            g.retryAt = now + g.backoffNanos;
        } else {
            g.backoffNanos = 0;
        }
    }

    /**
     * Swaps out up to {@code bytes} (rounded up to whole extents) from the group's subtree, an
     * extent from each region in turn; returns the bytes that left memory. Stops when a whole
     * round over its regions found nothing resident to take.
     */
    static long reclaim(MemoryGroupImpl g, long bytes) {
        long got = 0;
        List<RegionImpl> regions = g.regionsForReclaim();
        while (got < bytes && !regions.isEmpty()) {
            long round = 0;
            for (RegionImpl r : regions) {
                if (got >= bytes) {
                    break;
                }
                long n = r.reclaimStep(Math.min(bytes - got, EXTENT));
                round += n;
                got += n;
                g.reclaimedBytes.add(n);
            }
            if (round == 0) {
                break;
            }
        }
        return got;
    }

    @Override
    public void close() {
        stopping = true;
        doorbell.ring();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
