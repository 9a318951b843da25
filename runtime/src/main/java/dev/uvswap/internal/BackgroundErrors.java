package dev.uvswap.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * The unexpected failures one background thread caught and survived (the group reclaimer, the
 * completion drainer, writeback): a loop iteration that throws is counted here and the thread
 * goes on with the next one, since a dead thread would silently stop enforcing limits, freeing
 * slots or writing back. Each failure is counted ({@code VSwapStats.backgroundErrors}); the
 * warning is logged at most once per {@link #LOG_INTERVAL_NANOS}, with how many were left
 * unlogged since, so an error that repeats every iteration does not flood the log.
 */
public final class BackgroundErrors {
    static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
    private static final System.Logger LOG = System.getLogger("dev.uvswap");

    private final String thread;
    private final LongAdder count = new LongAdder();
    /** A failure to throw from the next iteration (tests), or null. */
    private volatile RuntimeException injected;
    /** Guarded by this. */
    private boolean loggedAny;
    private long loggedAt;
    private long unlogged;

    public BackgroundErrors(String thread) {
        this.thread = thread;
    }

    /** Counts a failure the thread caught, and logs it unless one was logged less than the interval ago. */
    public void report(Throwable failure) {
        count.increment();
        long now = System.nanoTime();
        long skipped;
        synchronized (this) {
            if (loggedAny && now - loggedAt < LOG_INTERVAL_NANOS) {
                unlogged++;
                return;
            }
            loggedAny = true;
            loggedAt = now;
            skipped = unlogged;
            unlogged = 0;
        }
        LOG.log(System.Logger.Level.WARNING, () -> "uvswap background thread " + thread
                + " caught an unexpected failure and carries on" + (skipped > 0
                ? " (" + skipped + " more since the last warning, not logged)" : ""), failure);
    }

    /** Failures counted so far. */
    public long count() {
        return count.sum();
    }

    /** Tests: the thread's next iteration throws {@code failure} (once), as an unexpected bug would. */
    public void injectOnce(RuntimeException failure) {
        injected = failure;
    }

    /** Called at the top of each iteration of the thread's loop: throws an {@linkplain #injectOnce injected} failure. */
    public void throwIfInjected() {
        RuntimeException f = injected;
        if (f != null) {
            injected = null;
            throw f;
        }
    }
}
