package dev.uvswap.internal.slot;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * A two-actor race harness in the style of jcstress: two real threads run their actor over the
 * same {@code width} slots, started together each round; after both finish, the arbiter checks
 * every slot for the forbidden outcome, and the next round sets the slots up again.  The actors
 * walk the slots in the same order, so they meet on most of them with every interleaving the
 * hardware produces; a round's width amortises the barrier.
 *
 * <p>{@code -Duvswap.race.iterations=N} (races per test, default {@value #DEFAULT_ITERATIONS})
 * for long runs.
 */
final class TwoActors {

    static final int DEFAULT_ITERATIONS = 100_000;
    static final int ITERATIONS = Integer.getInteger("uvswap.race.iterations", DEFAULT_ITERATIONS);

    private TwoActors() {}

    /**
     * Runs {@link #ITERATIONS} races, {@code width} slots (indices 0..width-1) a round.
     *
     * @param setup   main thread, before a round: puts slot i in its start state
     * @param a       actor A on slot i
     * @param b       actor B on slot i
     * @param arbiter main thread, after both actors: throws on a forbidden outcome of slot i
     */
    static void race(int width, IntConsumer setup, IntConsumer a, IntConsumer b, IntConsumer arbiter)
            throws Exception {
        CyclicBarrier start = new CyclicBarrier(3);
        CyclicBarrier end = new CyclicBarrier(3);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        boolean[] stop = new boolean[1];   // written before a start barrier, read after it
        Thread ta = actor("race-actor-A", a, width, start, end, failed, stop);
        Thread tb = actor("race-actor-B", b, width, start, end, failed, stop);
        try {
            for (int done = 0; done < ITERATIONS; done += width) {
                for (int i = 0; i < width; i++) {
                    setup.accept(i);
                }
                start.await(1, TimeUnit.MINUTES);
                end.await(1, TimeUnit.MINUTES);
                if (failed.get() != null) {
                    throw new AssertionError("an actor failed after " + done + " races", failed.get());
                }
                for (int i = 0; i < width; i++) {
                    arbiter.accept(i);
                }
            }
        } finally {
            stop[0] = true;
            start.await(1, TimeUnit.MINUTES);
            ta.join();
            tb.join();
        }
    }

    private static Thread actor(String name, IntConsumer body, int width, CyclicBarrier start, CyclicBarrier end,
                                AtomicReference<Throwable> failed, boolean[] stop) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            try {
                for (;;) {
                    start.await();
                    if (stop[0]) {
                        return;
                    }
                    try {
                        for (int i = 0; i < width; i++) {
                            body.accept(i);
                        }
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                    end.await();
                }
            } catch (Exception e) {
                failed.compareAndSet(null, e);
            }
        });
    }
}
