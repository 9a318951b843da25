package dev.uvswap;

import dev.uvswap.internal.VSwapImpl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Closing while the kernel does I/O on a region's memory (a read(2) into its segment): the close
 * fails with a clear reason and leaves everything usable, and a close once the I/O has ended
 * frees everything, for a region and for a whole VSwap.
 */
class RegionCloseTest {
    private static final long PAGE = 4096;
    private static final long MIB = 1 << 20;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void regionCloseDuringKernelIoLeavesItUsableAndALaterCloseFreesIt() throws Exception {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build()) {
            assumeTrue(vswap.kernelFaultsHandled(), "a read(2) into region memory needs kernel-mode faults");
            VSwapStats before = vswap.stats();
            Region r = vswap.allocate(4 * MIB, RegionOption.SMALL_PAGES);
            long pages = r.size() / PAGE;
            PageData.fillMixed(r, pages, 11);
            assertEquals(pages, r.pageOut(0, r.size()));
            assertTrue(vswap.stats().slotsInUse() > before.slotsInUse());
            byte[] incoming = pageOfBytes(5);
            long target = 3;   // swapped out: the read's copy faults it in through the servers
            try (BlockedPipeRead read = BlockedPipeRead.start(r.segment().asSlice(target * PAGE, PAGE).asByteBuffer())) {
                IllegalStateException e = assertThrows(IllegalStateException.class, r::close);
                assertTrue(e.getMessage().contains("kernel I/O"), e.getMessage());
                assertFalse(r.isClosed(), "a failed close leaves the region open");
                assertEquals(1, ((VSwapImpl) vswap).regionCount());
                // Fully usable: memory, swap-out and swap-in, and a close retried while still busy fails the same way.
                assertMixedExcept(r, pages, 11, target);
                long out = r.pageOut(0, r.size());   // the target too if readahead brought it in
                assertTrue(out >= pages - 1 && out <= pages, "pageOut works: " + out);
                assertEquals(0, r.residentBytes());
                assertThrows(IllegalStateException.class, r::close);
                assertFalse(r.isClosed());
                assertEquals(PAGE, read.finish(incoming));
            }
            assertArrayEquals(incoming, r.segment().asSlice(target * PAGE, PAGE).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    "the read landed in the swapped-out page");
            assertMixedExcept(r, pages, 11, target);
            r.close();
            assertTrue(r.isClosed());
            assertEquals(0, ((VSwapImpl) vswap).regionCount(), "the region is gone");
            VSwapStats after = vswap.stats();
            assertEquals(before.slotsInUse(), after.slotsInUse(), "every slot freed");
            assertEquals(before.poolStoredPages(), after.poolStoredPages(), "nothing left in the pool");
            assertEquals(before.stagingPages(), after.stagingPages(), "nothing left in the staging area");
        }
    }

    /**
     * VSwap.close with one region under kernel I/O: every other region and the background threads
     * are closed, the busy region keeps what it needs (its memory stays served), the exception says
     * why; once the I/O ends a second close frees everything: threads, fault servers, userfaultfd.
     */
    @Test
    void vswapCloseDuringKernelIoClosesTheRestAndASecondCloseFinishes() throws Exception {
        Set<Thread> threadsBefore = uvswapThreads();
        int uffdsBefore = userfaultfds();
        // The fault servers are pthreads named uvswap-fault-N: count them before and after.
        long serversBefore = faultServers();
        String builderName = "uvs-lc-builder";
        CompletableFuture<VSwap> built = new CompletableFuture<>();
        Thread builder = Thread.ofPlatform().name(builderName).start(() -> {
            try {
                built.complete(VSwap.builder().faultThreads(2).build());
            } catch (Throwable t) {
                built.completeExceptionally(t);
            }
        });
        builder.join();
        VSwap vswap = built.get();
        BlockedPipeRead read = null;
        try {
            assumeTrue(vswap.kernelFaultsHandled(), "a read(2) into region memory needs kernel-mode faults");
            // Java threads the builder started take their own names as they start: wait for that.
            Await.until(() -> faultServers() - serversBefore == 2, () -> "two fault servers: " + (faultServers() - serversBefore));
            assertEquals(uffdsBefore + 2, userfaultfds(), "the VSwap's two userfaultfds (server and in-thread)");
            MemoryGroup g = vswap.createGroup("g");   // starts the group reclaimer
            Region busy = vswap.allocate(4 * MIB, g, RegionOption.SMALL_PAGES);
            Region idle = vswap.allocate(4 * MIB, RegionOption.SMALL_PAGES);
            long pages = busy.size() / PAGE;
            PageData.fillMixed(busy, pages, 21);
            PageData.fillMixed(idle, pages, 22);
            busy.pageOut(0, busy.size());
            idle.pageOut(0, idle.size());
            idle.willNeed(0, MIB);   // starts the prefetch thread
            ((VSwapImpl) vswap).awaitPrefetch();
            Set<Thread> started = uvswapThreads();
            started.removeAll(threadsBefore);
            assertTrue(started.stream().anyMatch(t -> t.getName().equals("uvswap-group-reclaim")), started::toString);
            assertTrue(started.stream().anyMatch(t -> t.getName().equals("uvswap-prefetch")), started::toString);

            long target = 7;
            byte[] incoming = pageOfBytes(9);
            read = BlockedPipeRead.start(busy.segment().asSlice(target * PAGE, PAGE).asByteBuffer());

            IllegalStateException e = assertThrows(IllegalStateException.class, vswap::close);
            assertTrue(e.getMessage().contains("kernel I/O"), e.getMessage());
            assertTrue(idle.isClosed(), "the idle region was closed");
            assertFalse(busy.isClosed(), "the busy region stays open");
            assertFalse(started.stream().anyMatch(t -> t.isAlive() && t.getName().matches("uvswap-(group-reclaim|prefetch)")),
                    "the threads the busy region does not need are stopped");
            assertEquals(2, faultServers() - serversBefore, "the busy region's memory is still served");
            assertEquals(uffdsBefore + 2, userfaultfds(), "the VSwap's two userfaultfds (server and in-thread)");
            IllegalStateException closed = assertThrows(IllegalStateException.class, vswap::stats);
            assertEquals("VSwap closed", closed.getMessage());
            assertThrows(IllegalStateException.class, () -> vswap.allocate(2 * MIB));
            assertThrows(IllegalStateException.class, () -> vswap.createGroup("h"));
            assertMixedExcept(busy, pages, 21, target);   // swapped-out pages still come back
            assertThrows(IllegalStateException.class, vswap::close, "still busy: a retry fails the same way");
            assertFalse(busy.isClosed());

            assertEquals(PAGE, read.finish(incoming));
            assertArrayEquals(incoming, busy.segment().asSlice(target * PAGE, PAGE).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertMixedExcept(busy, pages, 21, target);
            vswap.close();
            assertTrue(busy.isClosed());
            Set<Thread> left = uvswapThreads();
            left.removeAll(threadsBefore);
            assertEquals(Set.of(), left, "every uvswap thread ended");
            assertEquals(0, faultServers() - serversBefore, "the fault servers ended");
            assertEquals(uffdsBefore, userfaultfds(), "the userfaultfd is closed");
            vswap.close();   // idempotent
        } finally {
            if (read != null) {
                read.close();
            }
            try {
                vswap.close();
            } catch (RuntimeException ignored) {
                // reported by the assertions above
            }
        }
    }

    private static byte[] pageOfBytes(int seed) {
        byte[] b = new byte[(int) PAGE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) PageData.mix(seed * 4096L + i);
        }
        return b;
    }

    private static void assertMixedExcept(Region r, long pages, long seed, long skip) {
        MemorySegment seg = r.segment();
        for (long p = 0; p < pages; p++) {
            if (p != skip) {
                long w = PageData.mixed(p, seed).check(seg, p, seed);
                assertEquals(-1, w, "page " + p + " word " + w);
            }
        }
    }

    static Set<Thread> uvswapThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("uvswap-") && t.isAlive())
                .collect(Collectors.toCollection(java.util.HashSet::new));
    }

    /** Native fault-server threads of this process (every VSwap's). */
    static long faultServers() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().matches("uvswap-fault-\\d+");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Threads of this process whose kernel name (comm) is {@code name}. */
    static long tasksNamed(String name) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(name);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Open userfaultfd descriptors of this process. */
    static int userfaultfds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.filter(f -> {
                try {
                    return Files.readSymbolicLink(f).toString().equals("anon_inode:[userfaultfd]");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }
}
