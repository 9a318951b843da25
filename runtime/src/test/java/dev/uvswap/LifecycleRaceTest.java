package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every public call racing VSwap.close on other threads either completes or throws
 * IllegalStateException("VSwap closed"): none may reach the native context after close freed it
 * (a JVM crash) or leak what it made. Repeated with a fresh VSwap and a random moment of close;
 * rounds: at least 6, and for -Duvswap.stress.seconds (3 in the default suite).
 */
class LifecycleRaceTest {
    private static final long MIB = 1 << 20;
    private static final long PAGE = 4096;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    @Test
    void callsRacingCloseCompleteOrSayClosed() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("uvswap.stress.seconds", 3));
        int rounds = 0;
        do {
            round(rounds++);
        } while (rounds < 6 || System.nanoTime() < deadline);
        System.out.println("close raced the calls in " + rounds + " rounds");
    }

    private void round(int n) throws Exception {
        VSwap vswap = VSwap.builder().faultThreads(1).build();
        MemoryGroup g = vswap.createGroup("g");
        Region shared = vswap.allocate(2 * MIB, g, RegionOption.SMALL_PAGES);
        long pages = shared.size() / PAGE;
        PageData.fillMixed(shared, pages, n);
        // Set just before close: from then on a segment may be closed under a reader (FFM's "Already closed").
        java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger files = new AtomicInteger();
        AtomicInteger groups = new AtomicInteger();
        Call allocate = () -> {
            try (Region r = vswap.allocate(2 * MIB, g, RegionOption.SMALL_PAGES)) {
                readingMemory(closing, () -> {
                    PageData.fillMixed(r, 16, n);
                    r.pageOut(0, 16 * PAGE);
                    PageData.assertMixed(r, 16, n);
                });
            }
        };
        List<Call> calls = List.of(
                vswap::stats,
                allocate,
                allocate,
                vswap::stats,
                () -> {
                    Path f = dir.resolve("swap-" + n + "-" + files.getAndIncrement());
                    vswap.addSwapFile(f, 4 * MIB, 0);
                    vswap.retire(f);
                },
                () -> {
                    if (groups.incrementAndGet() < 200) {   // ids are finite (4095)
                        vswap.createGroup("x").createChild("y");
                    }
                },
                () -> vswap.reclaim(g, MIB),
                () -> {
                    shared.pageOut(0, MIB);
                    shared.park(MIB, MIB);
                    shared.cold(0, MIB);
                    shared.residentBytes();
                    shared.prefault(0, shared.size());
                    readingMemory(closing, () -> PageData.assertMixed(shared, pages, n));
                },
                () -> {
                    g.memoryCurrent();
                    g.zswapCurrent();
                    g.swapCurrent();
                    g.faultPressure();
                    g.events();
                });
        List<Throwable> wrong = new CopyOnWriteArrayList<>();
        CountDownLatch running = new CountDownLatch(calls.size());
        List<Thread> threads = new ArrayList<>();
        for (Call c : calls) {
            threads.add(Thread.ofPlatform().name("racer-" + threads.size()).start(() -> {
                boolean counted = false;
                for (int afterClose = 0; afterClose < 2; ) {
                    if (closed.get()) {
                        afterClose++;   // a call or two after close returned: each must say closed
                    }
                    try {
                        c.run();
                    } catch (IllegalStateException e) {
                        if (!"VSwap closed".equals(e.getMessage())) {
                            report(wrong, e);
                        }
                    } catch (Throwable t) {
                        report(wrong, t);
                    }
                    if (!counted) {
                        counted = true;
                        running.countDown();
                    }
                }
            }));
        }
        assertTrue(running.await(1, TimeUnit.MINUTES), "every call ran once before close");
        Thread.sleep(ThreadLocalRandom.current().nextInt(15));
        closing.set(true);
        vswap.close();
        closed.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(1));
            assertFalse(t.isAlive(), t + " still running after close");
        }
        if (!wrong.isEmpty()) {
            AssertionError e = new AssertionError("round " + n + ": calls racing close failed otherwise than \"VSwap closed\": " + wrong);
            wrong.forEach(e::addSuppressed);
            throw e;
        }
        assertTrue(shared.isClosed());
    }

    private static void report(List<Throwable> wrong, Throwable t) {
        if (wrong.size() < 20) {   // the first few say it
            wrong.add(t);
        }
    }

    /** Reads or writes region memory: once close has begun, the segment may be closed under it. */
    private static void readingMemory(java.util.concurrent.atomic.AtomicBoolean closing, Call body) throws Exception {
        try {
            body.run();
        } catch (IllegalStateException e) {
            if (!(closing.get() && "Already closed".equals(e.getMessage()))) {
                throw e;
            }
        }
    }
}
