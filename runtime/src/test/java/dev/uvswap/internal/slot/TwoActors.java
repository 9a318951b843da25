package dev.uvswap.internal.slot;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A two-actor race harness in the style of jcstress: two real threads run their actor over the
 * same {@code width} slots, released together each round; after both finish, the arbiter checks
 * every slot for the forbidden outcome, and the next round sets the slots up again.  The actors
 * wait for a round by spinning, not parking (a parked thread takes tens of microseconds to wake,
 * and the other would finish the round alone), and walk the slots in the same order, so they
 * meet on most of them.  On every other round, B also waits (a bounded spin) until A has
 * reached the slot it is about to take, so it lands in the middle of A's multi-step transition
 * instead of drifting a few slots ahead or behind; the free-running rounds keep the other
 * interleavings.
 *
 * <p>A test runs {@code -Duvswap.race.iterations=N} races (default {@value #DEFAULT_ITERATIONS}),
 * or fewer when {@code -Duvswap.race.millis=T} (default {@value #DEFAULT_MILLIS}) run out first
 * on a loaded machine: {@link #race} returns how many it ran.  Raise both for long runs.
 */
final class TwoActors {

    static final int DEFAULT_ITERATIONS = 200_000;
    static final int ITERATIONS = Integer.getInteger("uvswap.race.iterations", DEFAULT_ITERATIONS);
    static final int DEFAULT_MILLIS = 1500;
    static final long BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("uvswap.race.millis", DEFAULT_MILLIS));
    private static final long ROUND_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Spins before a waiting thread yields its core: two actors and the main thread share two. */
    private static final int SPINS = 2_000;
    private static final int STOP = -1;

    private TwoActors() {}

    /**
     * Runs {@link #ITERATIONS} races (fewer if the time budget runs out), {@code width} slots
     * (indices 0..width-1) a round; returns how many ran.
     *
     * @param setup   main thread, before a round: puts slot i in its start state
     * @param a       actor A on slot i
     * @param b       actor B on slot i
     * @param arbiter main thread, after both actors: throws on a forbidden outcome of slot i
     */
    static int race(int width, IntConsumer setup, IntConsumer a, IntConsumer b, IntConsumer arbiter)
            throws InterruptedException {
        long end = System.nanoTime() + BUDGET_NANOS;
        int done = 0;
        AtomicInteger round = new AtomicInteger();      // main → actors: run round n (STOP: exit)
        AtomicInteger finished = new AtomicInteger();   // actors → main: how many finished it
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicInteger aAt = new AtomicInteger();   // the slot A is on (B's alignment)
        Thread ta = actor("race-actor-A", a, width, round, finished, failed, aAt, null);
        Thread tb = actor("race-actor-B", b, width, round, finished, failed, null, aAt);
        try {
            for (; done < ITERATIONS && System.nanoTime() < end; done += width) {
                for (int i = 0; i < width; i++) {
                    setup.accept(i);
                }
                finished.set(0);
                aAt.set(-1);
                round.incrementAndGet();   // volatile: the setup above happens before the actors run
                long deadline = System.nanoTime() + ROUND_TIMEOUT_NANOS;
                for (int spins = 0; finished.get() < 2; spins++) {   // volatile: the actors' writes happen before the checks
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("a round did not finish within a minute: an actor is stuck");
                    }
                    pause(spins);
                }
                if (failed.get() != null) {
                    throw new AssertionError("an actor failed after " + done + " races", failed.get());
                }
                for (int i = 0; i < width; i++) {
                    arbiter.accept(i);
                }
            }
        } finally {
            round.set(STOP);
            ta.join(TimeUnit.MINUTES.toMillis(1));
            tb.join(TimeUnit.MINUTES.toMillis(1));
        }
        return done;
    }

    private static void pause(int spins) {
        if (spins < SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    private static Thread actor(String name, IntConsumer body, int width, AtomicInteger round, AtomicInteger finished,
                                AtomicReference<Throwable> failed, AtomicInteger publishAt, AtomicInteger followAt) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            int seen = 0;
            for (;;) {
                int r;
                for (int spins = 0; (r = round.get()) == seen; spins++) {
                    pause(spins);
                }
                if (r == STOP) {
                    return;
                }
                seen = r;
                try {
                    boolean follow = followAt != null && (r & 1) == 0;
                    for (int i = 0; i < width; i++) {
                        if (publishAt != null) {
                            publishAt.setRelease(i);
                        }
                        for (int spins = 0; follow && followAt.getAcquire() < i && spins < SPINS; spins++) {
                            Thread.onSpinWait();   // bounded: A may be off its core
                        }
                        body.accept(i);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
                finished.incrementAndGet();
            }
        });
    }
}
