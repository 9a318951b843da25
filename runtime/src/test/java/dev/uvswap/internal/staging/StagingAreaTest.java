package dev.uvswap.internal.staging;

import dev.uvswap.internal.pool.Discarder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StagingAreaTest {

    private static final int P = StagingArea.CHUNK_PAGES;
    private static final long CHUNK_BYTES = StagingArea.CHUNK_BYTES;

    private final Arena arena = Arena.ofShared();
    private final List<long[]> discards = new CopyOnWriteArrayList<>();
    private MemorySegment area;

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private StagingArea staging(int chunks) {
        area = arena.allocate(chunks * CHUNK_BYTES, 4096);
        MemorySegment a = area;
        Discarder zeroFill = (offset, length) -> {
            discards.add(new long[] {offset, length});
            a.asSlice(offset, length).fill((byte) 0);
        };
        return new StagingArea((long) chunks * P, zeroFill);
    }

    /** Parks a recognisable page, as a MOVE into the staging area would. */
    private void park(long page) {
        area.set(ValueLayout.JAVA_LONG, page * 4096, 0xC0FFEE00L + page);
    }

    @Test
    void chunksAreHandedOutLowestFirstAndReused() {
        StagingArea staging = staging(4);
        assertEquals(4, staging.chunks());
        for (int c = 0; c < 4; c++) {
            assertEquals((long) c * P, staging.allocateChunk(0));
        }
        assertEquals(4, staging.chunksInUse());
        assertEquals(-1, staging.allocateChunk(0), "none free");
        staging.use(P, 10);
        staging.use(2 * P, 1);
        assertEquals(11, staging.pagesInUse());
        staging.release(2 * P);
        staging.release(P, 10);
        assertEquals(0, staging.pagesInUse());
        assertEquals(2, staging.chunksInUse());
        assertEquals(P, staging.allocateChunk(0));
        assertEquals(2 * P, staging.allocateChunk(0));
        assertEquals(-1, staging.allocateChunk(0));
    }

    @Test
    void lastReleaseDiscardsTheWholeChunk() {
        StagingArea staging = staging(3);
        staging.allocateChunk();
        long first = staging.allocateChunk();
        assertEquals(P, first);
        for (int i = 0; i < 5; i++) {
            park(first + i * 7);
        }
        staging.use(first, 5);
        staging.release(first + 7);
        staging.release(first, 1);
        staging.release(first + 21, 1);
        staging.release(first + 14);
        assertTrue(discards.isEmpty(), "discarded with a page still parked");
        assertEquals(1, staging.pagesInUse());
        staging.release(first + 28);
        assertEquals(1, discards.size());
        assertArrayEquals(new long[] {P * 4096L, CHUNK_BYTES}, discards.get(0));
        assertTrue(area.asSlice(P * 4096L, CHUNK_BYTES).mismatch(MemorySegment.ofArray(new byte[(int) CHUNK_BYTES])) < 0);
        assertEquals(0, staging.pagesInUse());
        assertEquals(1, staging.chunksInUse());
    }

    @Test
    void usingNoPagesReleasesAtOnce() {
        StagingArea staging = staging(2);
        long first = staging.allocateChunk();
        staging.use(first, 0);
        assertEquals(1, discards.size());
        assertArrayEquals(new long[] {0, CHUNK_BYTES}, discards.get(0));
        assertEquals(0, staging.chunksInUse());
        assertEquals(first, staging.allocateChunk(0));
    }

    @Test
    void overReleaseThrows() {
        StagingArea staging = staging(2);
        long first = staging.allocateChunk();
        staging.use(first, 3);
        assertThrows(IllegalStateException.class, () -> staging.release(first, 4));
        assertEquals(3, staging.pagesInUse(), "a refused release changes nothing");
        staging.release(first, 3);
        assertThrows(IllegalStateException.class, () -> staging.release(first), "chunk already free");
        assertThrows(IllegalStateException.class, () -> staging.release(P + 5), "never allocated");
        assertThrows(IllegalArgumentException.class, () -> staging.release(P - 2, 4), "two chunks");
        assertThrows(IllegalArgumentException.class, () -> staging.release(2L * P), "out of range");
        assertThrows(IllegalStateException.class, () -> staging.use(first, 1), "use of a free chunk");
        long again = staging.allocateChunk();
        assertThrows(IllegalArgumentException.class, () -> staging.use(again + 1, 1), "not a chunk start");
        assertThrows(IllegalArgumentException.class, () -> staging.use(again, P + 1));
        staging.use(again, 1);
        assertThrows(IllegalStateException.class, () -> staging.use(again, 1), "use twice");
    }

    @Test
    void releaseMayComeBeforeUse() {
        StagingArea staging = staging(2);
        long first = staging.allocateChunk();
        // A fault moved two parked pages back and the drainer released them before use().
        staging.release(first + 3);
        staging.release(first + 1);
        assertEquals(0, staging.pagesInUse());
        assertTrue(discards.isEmpty());
        staging.use(first, 4);
        assertEquals(2, staging.pagesInUse());
        staging.release(first, 1);
        staging.release(first + 2, 1);
        assertEquals(1, discards.size());
        assertEquals(0, staging.chunksInUse());

        long second = staging.allocateChunk();
        staging.release(second, 2);
        assertThrows(IllegalStateException.class, () -> staging.use(second, 1), "used fewer than released");
        staging.use(second, 2);
        assertEquals(2, discards.size());
        assertEquals(0, staging.chunksInUse());
    }

    @Test
    void blockedAllocateWakesOnRelease() throws Exception {
        StagingArea staging = staging(1);
        long only = staging.allocateChunk();
        staging.use(only, 2);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            return staging.allocateChunk();
        });
        waiting.await();
        Thread.sleep(100);
        assertFalse(waiter.isDone(), "allocateChunk returned while no chunk was free");
        staging.release(only);
        Thread.sleep(50);
        assertFalse(waiter.isDone(), "woke before the last page was released");
        staging.release(only + 1);
        assertEquals(only, waiter.get(10, TimeUnit.SECONDS));
        assertEquals(1, discards.size(), "handed out again only after the discard");
        assertEquals(1, staging.chunksInUse());
    }

    @Test
    void blockedAllocateTimesOutOrIsInterrupted() throws Exception {
        StagingArea staging = staging(1);
        staging.allocateChunk();
        long t0 = System.nanoTime();
        assertEquals(-1, staging.allocateChunk(50, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(50));

        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            long r = staging.allocateChunk();
            interrupted.complete(r == -1 && Thread.currentThread().isInterrupted());
        });
        Thread.sleep(50);
        t.interrupt();
        assertTrue(interrupted.get(10, TimeUnit.SECONDS), "interrupt gives -1 with the status set");
    }

    /** Waits for all, reporting the first thread that fails rather than the ones it starves. */
    private static void awaitFirstFailure(List<Future<?>> futures, long timeoutNanos) throws Exception {
        long deadline = System.nanoTime() + timeoutNanos;
        for (int done = 0; done < futures.size(); ) {
            done = 0;
            for (Future<?> f : futures) {
                if (f.isDone()) {
                    f.get();
                    done++;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("threads still running after the timeout");
            }
            Thread.sleep(5);
        }
    }

    /**
     * Four threads take chunks, park pages and hand them to a drainer that releases them in
     * random order; a chunk is owned in the model from allocateChunk until its last release, and
     * is never handed to a second owner meanwhile, its parked pages stay intact until released
     * (so a discard never lands on a chunk handed out again), and everything is free at the end.
     */
    @Test
    void concurrentTakersAndOneReleaserNeverShareAChunk() throws Exception {
        int chunks = 3;
        StagingArea staging = staging(chunks);
        AtomicIntegerArray owner = new AtomicIntegerArray(chunks);
        LinkedBlockingQueue<long[]> parked = new LinkedBlockingQueue<>();
        int takers = 4;
        int rounds = 300;
        ExecutorService exec = Executors.newFixedThreadPool(takers + 1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < takers; t++) {
                int me = t + 1;
                futures.add(exec.submit(() -> {
                    Random rnd = new Random(me);
                    for (int r = 0; r < rounds; r++) {
                        long first = staging.allocateChunk(TimeUnit.SECONDS.toNanos(30));
                        if (first < 0) {
                            throw new AssertionError("no chunk within 30 s");
                        }
                        int chunk = (int) (first / P);
                        // Claim the chunk in the model; a second owner would find it taken.
                        if (!owner.compareAndSet(chunk, 0, me)) {
                            throw new AssertionError("chunk " + chunk + " handed to " + me + " while owned by " + owner.get(chunk));
                        }
                        int used = 1 + rnd.nextInt(P);
                        for (int i = 0; i < used; i++) {
                            park(first + i);
                        }
                        staging.use(first, used);
                        parked.add(new long[] {first, used, me});
                    }
                    return null;
                }));
            }
            Future<?> drainer = exec.submit(() -> {
                Random rnd = new Random(99);
                for (int done = 0; done < takers * rounds; done++) {
                    long[] c = parked.poll(60, TimeUnit.SECONDS);
                    if (c == null) {
                        throw new AssertionError("takers stalled");
                    }
                    List<Long> pages = new ArrayList<>();
                    for (int i = 0; i < c[1]; i++) {
                        pages.add(c[0] + i);
                    }
                    Collections.shuffle(pages, rnd);
                    for (int i = 0; i < pages.size(); i++) {
                        if (i == pages.size() - 1) {
                            // Drop the model claim just before the release that frees the chunk.
                            if (!owner.compareAndSet((int) (c[0] / P), (int) c[2], 0)) {
                                throw new AssertionError("chunk at " + c[0] + " lost its owner");
                            }
                        }
                        long page = pages.get(i);
                        // A discard that ran after the chunk was handed out again would have
                        // zeroed pages parked by its next owner; ours must still be there.
                        if (area.get(ValueLayout.JAVA_LONG, page * 4096) != 0xC0FFEE00L + page) {
                            throw new AssertionError("parked page " + page + " lost");
                        }
                        staging.release(page);
                    }
                }
                return null;
            });
            futures.add(drainer);
            awaitFirstFailure(futures, TimeUnit.MINUTES.toNanos(5));
            assertEquals(0, staging.pagesInUse());
            assertEquals(0, staging.chunksInUse());
            assertEquals(takers * rounds, discards.size());
        } finally {
            exec.shutdownNow();
        }
    }
}
