package dev.uvswap;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.file.SwapFile;
import dev.uvswap.internal.region.RegionImpl;
import dev.uvswap.internal.slot.SlotDescriptor;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The swap-file backend: pool rejects and writeback reach the file and come back byte for byte;
 * the file stays empty while the pool takes everything; swapoff under faults; and the medium's
 * failures (EIO on write and read, ENOSPC, a full file, a deleted file) lose nothing.
 */
class SwapFileTest {
    private static final long PAGES = 1024;   // 4 MiB: two extents
    /** A pool limit of one 64 KiB span: nearly every page is refused and goes to the file. */
    private static final long TINY_POOL = 64 << 10;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    private static dev.uvswap.internal.file.SwapFiles files(VSwap v) {
        return ((VSwapImpl) v).fileBackend().files();
    }

    /** Whether the page's slot says FILE (white-box: the page map and descriptor words). */
    private static boolean uvswapFileSlot(VSwap v, Region r, long page) {
        long w = ((RegionImpl) r).pagemap().segment().getAtIndex(ValueLayout.JAVA_LONG, page);
        long d = ((VSwapImpl) v).slotDescriptor(w >>> uvswap_h.UVS_PM_SHIFT());
        return SlotDescriptor.tag(d) == SlotDescriptor.TAG_FILE;
    }

    @ParameterizedTest
    @EnumSource(Compressor.class)
    void pagesThePoolRefusesGoToTheFileAndComeBack(Compressor codec) throws IOException {
        Path file = dir.resolve("a.swap");
        try (VSwap vswap = VSwap.builder().compressor(codec).poolMaxBytes(TINY_POOL).swapFile(file, 64L << 20).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            PageData.fillMixed(r, PAGES, 3);
            assertEquals(PAGES, r.pageOut(0, r.size()), "every page left, to the pool or the file");
            VSwapStats out = vswap.stats();
            assertTrue(out.swpoutFile() > PAGES / 2, "most pages went to the file: " + out.swpoutFile());
            assertEquals(out.swpoutFile(), out.fileSlotsUsed());
            assertEquals(0, out.poolRejects(), "no page had to stay resident");
            assertTrue(out.fileBytes() > 0 && out.fileBytes() <= out.fileSlotsUsed() * 4096);
            assertTrue(Files.size(file) <= out.fileSlotsUsed() * 4096 + (2 << 20), "sparse, no preallocation");

            PageData.assertMixed(r, PAGES, 3);
            VSwapStats in = vswap.stats();
            assertEquals(out.swpoutFile(), in.swpinFile(), "every file page was read back");
            assertTrue(in.faults(FaultKind.FILE) > 0);
            assertEquals(0, in.fileSlotsUsed(), "reading a page back frees its file slot");
            assertEquals(0, in.faultErrors());
        }
        assertFalse(Files.exists(file), "the file is removed on close");
    }

    @Test
    void aWholeExtentInTheFileComesBackAsOneHugePage() {
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).temporarySwapFile(dir, 64L << 20).build();
             Region r = vswap.allocate(2L << 20)) {
            PageData.fillMixed(r, 512, 4);
            assertEquals(512, r.pageOut(0, r.size()));
            assertTrue(vswap.stats().swpoutFile() > 256);
            PageData.assertMixed(r, 512, 4);
            VSwapStats s = vswap.stats();
            assertEquals(1, s.thpSwpin(), "assembled from pool and file slots: " + s.thpSwpinFallback());
            assertEquals(0, s.fileSlotsUsed());
        }
    }

    /**
     * A whole-extent swap-in holds the extent's 512 claims while it assembles the huge page, so it
     * reads file pages only from the page cache: with the file's cache dropped, the extent comes
     * back page by page instead of holding every other fault on it across disk reads.
     */
    @Test
    void aWholeExtentWhoseFilePagesAreNotCachedComesBackPageByPage() throws Throwable {
        org.junit.jupiter.api.Assumptions.assumeFalse("tmpfs".equals(Files.getFileStore(dir).type()),
                "needs a file system with a page cache to drop (the temporary directory is on tmpfs)");
        Path file = dir.resolve("cold.swap");
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).swapFile(file, 64L << 20).build();
             Region r = vswap.allocate(2L << 20)) {
            PageData.fillMixed(r, 512, 6);
            assertEquals(512, r.pageOut(0, r.size()));
            assertTrue(vswap.stats().swpoutFile() > 256);
            dropPageCache(file);
            PageData.assertMixed(r, 512, 6);
            VSwapStats s = vswap.stats();
            assertEquals(0, s.thpSwpin(), "not assembled across disk reads: " + s.thpSwpinFallback());
            assertTrue(s.thpSwpinFallback().get(ThpFallback.BACKEND) >= 1, s.thpSwpinFallback()::toString);
            assertEquals(0, s.fileSlotsUsed());
        }
    }

    /** fsync, then POSIX_FADV_DONTNEED: the file's clean pages leave the page cache. */
    private static void dropPageCache(Path file) throws Throwable {
        var linker = java.lang.foreign.Linker.nativeLinker();
        var lookup = linker.defaultLookup();
        var JI = java.lang.foreign.ValueLayout.JAVA_INT;
        var JL = java.lang.foreign.ValueLayout.JAVA_LONG;
        var open = linker.downcallHandle(lookup.find("open").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(JI, java.lang.foreign.ValueLayout.ADDRESS, JI));
        var fsync = linker.downcallHandle(lookup.find("fsync").orElseThrow(), java.lang.foreign.FunctionDescriptor.of(JI, JI));
        var fadvise = linker.downcallHandle(lookup.find("posix_fadvise").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(JI, JI, JL, JL, JI));
        var close = linker.downcallHandle(lookup.find("close").orElseThrow(), java.lang.foreign.FunctionDescriptor.of(JI, JI));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            int fd = (int) open.invokeExact(arena.allocateFrom(file.toString()), 0 /* O_RDONLY */);
            assertTrue(fd >= 0, "open " + file);
            try {
                assertEquals(0, (int) fsync.invokeExact(fd));
                assertEquals(0, (int) fadvise.invokeExact(fd, 0L, 0L, 4 /* POSIX_FADV_DONTNEED */));
            } finally {
                int ignored = (int) close.invokeExact(fd);
            }
        }
    }

    @Test
    void theFileStaysEmptyWhileThePoolTakesEverything() throws IOException {
        Path file = dir.resolve("idle.swap");
        try (VSwap vswap = VSwap.builder().swapFile(file, 64L << 20).build();
             Region r = vswap.allocate(PAGES * 4096)) {
            PageData.fillMixed(r, PAGES, 5);
            assertEquals(PAGES, r.pageOut(0, r.size()));
            VSwapStats s = vswap.stats();
            assertEquals(0, s.fileSlotsUsed());
            assertEquals(0, s.zswpwb());
            assertEquals(0, Files.size(file), "no slot was ever allocated");
            PageData.assertMixed(r, PAGES, 5);
        }
    }

    @Test
    void overItsLimitThePoolWritesTheColdestPagesBack() throws Exception {
        long pages = 8192;   // 32 MiB of heap-like data, about 5 MiB compressed
        try (VSwap vswap = VSwap.builder().zswapMaxBytes(1 << 20).temporarySwapFile(dir, 256L << 20).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < pages; p++) {
                PageData.HEAP_LIKE.fill(seg, p, 6);
            }
            assertEquals(pages, r.pageOut(0, r.size()));
            Await.until(() -> vswap.stats().poolTotalBytes() <= (1 << 20), "writeback brought the pool under its limit");
            // The pool can be under its limit while a run is still being published (its pool bytes
            // freed page by page, zswpwb counted after): each file slot is a page written back once
            // the run ends (7,507 counted for 7,680 slots, read mid-run).
            Await.until(() -> vswap.stats().zswpwb() == vswap.stats().fileSlotsUsed(),
                    () -> "every file slot holds a page written back: " + vswap.stats().zswpwb() + " for "
                            + vswap.stats().fileSlotsUsed() + " slots");
            VSwapStats s = vswap.stats();
            assertTrue(s.zswpwb() > pages / 2, "written back: " + s.zswpwb());
            assertTrue(s.writebackBatches() > 0 && s.writebackBatches() <= s.zswpwb() / 32,
                    "in batches: " + s.writebackBatches() + " for " + s.zswpwb());
            assertEquals(s.zswpwb(), s.fileSlotsUsed());
            // The coldest pages are the first ones out: the first page is in the file, the last in the pool.
            assertEquals(-1, PageData.HEAP_LIKE.check(seg, 0, 6));
            assertEquals(1, vswap.stats().faults(FaultKind.FILE), "page 0 came from the file");
            assertEquals(-1, PageData.HEAP_LIKE.check(seg, pages - 1, 6));
            assertEquals(1, vswap.stats().faults(FaultKind.ZSWAP), "the last page came from the pool");
            for (long p = 0; p < pages; p++) {
                assertEquals(-1, PageData.HEAP_LIKE.check(seg, p, 6), "page " + p);
            }
            assertEquals(0, vswap.stats().fileSlotsUsed());
        }
    }

    @Test
    void writebackOffKeepsThePoolOverItsLimit() throws Exception {
        try (VSwap vswap = VSwap.builder().zswapMaxBytes(1 << 20).zswapWriteback(false)
                .temporarySwapFile(dir, 64L << 20).build();
             Region r = vswap.allocate(4096L * 4096, RegionOption.SMALL_PAGES)) {
            PageData.fillMixed(r, 4096, 7);
            r.pageOut(0, r.size());
            Thread.sleep(100);
            assertEquals(0, vswap.stats().zswpwb());
            vswap.setZswapWriteback(true);
            Await.until(() -> vswap.stats().zswpwb() > 0, "writeback, once on, ran");
            PageData.assertMixed(r, 4096, 7);
        }
    }

    @Test
    void retireUnderConcurrentFaultsLosesNothing() throws Exception {
        Path retired = dir.resolve("retired.swap");
        long pages = 4096;
        try (VSwap vswap = VSwap.builder().zswapMaxBytes(64 << 10).swapFile(retired, 64L << 20).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < pages; p++) {
                PageData.RANDOM.fill(seg, p, 8);
            }
            assertEquals(pages, r.pageOut(0, r.size()));
            Await.until(() -> vswap.stats().poolTotalBytes() <= 64 << 10, "writeback emptied the pool into the file");
            long inFile = vswap.stats().fileSlotsUsed();
            assertTrue(inFile > pages / 2, "in the file: " + inFile);
            vswap.setZswapMaxBytes(1L << 40);   // room in the pool again: swapoff moves pages there
            // Make room in the pool: read the first quarter back, which also frees pool objects.
            for (long p = 0; p < pages / 4; p++) {
                assertEquals(-1, PageData.RANDOM.check(seg, p, 8), "page " + p);
            }
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    for (long p = pages - 1; p >= pages / 4 && !stop.get(); p--) {
                        assertEquals(-1, PageData.RANDOM.check(seg, p, 8), "page " + p);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            try {
                vswap.retire(retired);
            } finally {
                reader.join();
            }
            assertTrue(failures.isEmpty(), failures::toString);
            for (long p = 0; p < pages; p++) {
                assertEquals(-1, PageData.RANDOM.check(seg, p, 8), "page " + p);
            }
            VSwapStats s = vswap.stats();
            assertFalse(Files.exists(retired), "retired and removed");
            assertEquals(0, s.fileSlotsUsed());
            assertTrue(s.swapoffPages() + s.swpinFile() >= inFile, s.toString());
        }
    }

    @Test
    void retireWithNoRoomFailsAndLosesNothing() throws Exception {
        Path file = dir.resolve("stuck.swap");
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).swapFile(file, 64L << 20).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            PageData.fillMixed(r, PAGES, 9);
            r.pageOut(0, r.size());
            VSwapException e = assertThrows(VSwapException.class, () -> vswap.retire(file));
            assertTrue(e.getMessage().contains("no room"), e.getMessage());
            assertTrue(Files.exists(file), "still in use");
            PageData.assertMixed(r, PAGES, 9);
            // It takes pages again after the failed retire, and can be retired once empty.
            r.pageOut(0, r.size());
            assertTrue(vswap.stats().fileSlotsUsed() > 0);
            PageData.assertMixed(r, PAGES, 9);
            vswap.retire(file);
            assertFalse(Files.exists(file));
        }
    }

    @Test
    void retireMovesPagesToAnotherFileWhenThePoolIsFull() throws Exception {
        Path low = dir.resolve("low.swap");
        Path high = dir.resolve("high.swap");
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).swapFile(high, 64L << 20, 10).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            PageData.fillMixed(r, PAGES, 10);
            r.pageOut(0, r.size());
            long used = vswap.stats().fileSlotsUsed();
            vswap.addSwapFile(low, 64L << 20, 0);
            vswap.retire(high);
            assertFalse(Files.exists(high));
            assertEquals(used, vswap.stats().fileSlotsUsed(), "every page moved to the other file");
            assertEquals(used, vswap.stats().swapoffPages());
            PageData.assertMixed(r, PAGES, 10);
        }
    }

    @Test
    void writeErrorsMarkSlotsBadAndLoseNothing() {
        List<SwapFileEvent> events = new CopyOnWriteArrayList<>();
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).temporarySwapFile(dir, 64L << 20)
                .swapFileEvents(events::add).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            SwapFile f = files(vswap).files().getFirst();
            f.injectWriteErrors(5 /* EIO */, 1);
            PageData.fillMixed(r, PAGES, 11);
            r.pageOut(0, r.size());
            VSwapStats s = vswap.stats();
            assertEquals(1, s.fileWriteErrors());
            assertTrue(s.fileBadSlots() > 0 && s.fileBadSlots() <= 512, "bad: " + s.fileBadSlots());
            assertTrue(s.poolRejects() > 0, "the failed batch went back to its region");
            assertTrue(events.stream().anyMatch(e -> e instanceof SwapFileEvent.WriteError w && w.errno() == 5), events::toString);
            PageData.assertMixed(r, PAGES, 11);
            // Bad slots are never handed out again, the rest of the file still works.
            r.pageOut(0, r.size());
            PageData.assertMixed(r, PAGES, 11);
            assertEquals(s.fileBadSlots(), vswap.stats().fileBadSlots());
        }
    }

    @Test
    void aFullFileIsReportedAndLosesNothing() {
        List<SwapFileEvent> events = new CopyOnWriteArrayList<>();
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).zswapMaxBytes(TINY_POOL)
                .temporarySwapFile(dir, 2L << 20).swapFileEvents(events::add).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            // Incompressible pages (4 KiB stored): packed or not, 512 of them fill the 512 blocks.
            for (long p = 0; p < PAGES; p++) {
                PageData.RANDOM.fill(r.segment(), p, 12);
            }
            r.pageOut(0, r.size());
            VSwapStats s = vswap.stats();
            assertEquals(512, s.fileSlotsUsed(), "the file is full");
            assertEquals(2 << 20, s.fileBlockBytes(), "every block in use");
            assertTrue(s.poolRejects() > 0, "the rest stayed resident");
            assertEquals(1, events.stream().filter(e -> e instanceof SwapFileEvent.Full).count(), events::toString);
            for (long p = 0; p < PAGES; p++) {
                assertEquals(-1, PageData.RANDOM.check(r.segment(), p, 12), "page " + p);
            }
        }
    }

    @Test
    void readErrorsFailTheAccessClearlyAndNeverMapWrongBytes() {
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).temporarySwapFile(dir, 64L << 20).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < PAGES; p++) {
                PageData.RANDOM.fill(seg, p, 13);
            }
            r.pageOut(0, r.size());
            long last = PAGES - 1;   // the pool took the first few pages, the file the rest
            SwapFile f = files(vswap).files().getFirst();
            files(vswap).injectReadErrors(f, 5 /* EIO */, 1);
            assertEquals(uvswapFileSlot(vswap, r, last), true, vswap.stats().toString());
            VSwapException e = assertThrows(VSwapException.class, () -> r.prefault(last * 4096, 4096));
            assertTrue(e.getMessage().contains("EIO"), e.getMessage());
            files(vswap).injectReadErrors(f, 5, 1);
            Throwable touched = assertThrows(Throwable.class, () -> seg.get(ValueLayout.JAVA_LONG, last * 4096));
            assertInstanceOf(InternalError.class, touched, "the JVM's error for a failed memory access");
            VSwapStats s = vswap.stats();
            assertEquals(1, s.poisonedPages());
            assertTrue(s.fileReadErrors() >= 1);
            assertEquals(5, s.faultLastErrno(), "the server records the read's errno");
            // Every other page reads back exactly.
            for (long p = 0; p < last; p++) {
                assertEquals(-1, PageData.RANDOM.check(seg, p, 13), "page " + p);
            }
        }
    }

    @Test
    void aDeletedFileIsReportedAndItsPagesStillReadBack() throws Exception {
        Path file = dir.resolve("deleted.swap");
        List<SwapFileEvent> events = new CopyOnWriteArrayList<>();
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).swapFile(file, 64L << 20)
                .swapFileEvents(events::add).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            PageData.fillMixed(r, PAGES, 14);
            r.pageOut(0, r.size());
            Files.delete(file);
            Await.until(() -> events.stream().anyMatch(e -> e instanceof SwapFileEvent.Deleted), "the deletion was reported");
            PageData.assertMixed(r, PAGES, 14);
            r.pageOut(0, r.size());
            assertEquals(0, vswap.stats().fileSlotsUsed(), "no new page goes to a deleted file");
            PageData.assertMixed(r, PAGES, 14);
        }
    }

    @Test
    void noSpaceOnTheFileSystemIsReportedAndLosesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Platform.isRoot(), "needs root to mount a 1 MiB tmpfs");
        Path mnt = Files.createDirectory(dir.resolve("tmpfs"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "uvswap-test", mnt.toString())
                .inheritIO().start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "mount -t tmpfs failed");
        try {
            List<SwapFileEvent> events = new CopyOnWriteArrayList<>();
            try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).swapFile(mnt.resolve("small.swap"), 64L << 20)
                    .swapFileEvents(events::add).build();
                 Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
                // Incompressible pages (4 KiB stored): packed, the mixed layout would fit in 1 MiB.
                for (long p = 0; p < PAGES; p++) {
                    PageData.RANDOM.fill(r.segment(), p, 15);
                }
                r.pageOut(0, r.size());
                VSwapStats s = vswap.stats();
                assertTrue(s.fileNoSpace() > 0, s.toString());
                assertTrue(s.fileSlotsUsed() <= 256, "1 MiB holds at most 256 pages of 4 KiB: " + s.fileSlotsUsed());
                assertEquals(0, s.fileBadSlots(), "no space is not a bad medium");
                assertTrue(events.stream().anyMatch(e -> e instanceof SwapFileEvent.NoSpace), events::toString);
                for (long p = 0; p < PAGES; p++) {
                    assertEquals(-1, PageData.RANDOM.check(r.segment(), p, 15), "page " + p);
                }
            }
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aTemporaryFileLeavesNothingBehind() throws IOException {
        try (VSwap vswap = VSwap.builder().poolMaxBytes(TINY_POOL).temporarySwapFile(dir, 64L << 20).build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            PageData.fillMixed(r, PAGES, 16);
            r.pageOut(0, r.size());
            assertTrue(vswap.stats().fileSlotsUsed() > 0);
            try (var listing = Files.list(dir)) {
                assertEquals(0, listing.count(), "unlinked at once");
            }
            PageData.assertMixed(r, PAGES, 16);
        }
    }

    @Test
    void badSwapFileSettingsAreRefusedClearly() throws IOException {
        Path existing = Files.writeString(dir.resolve("precious.txt"), "keep me");
        VSwapException e = assertThrows(VSwapException.class,
                () -> VSwap.builder().swapFile(existing, 64L << 20).build());
        assertTrue(e.getMessage().contains("exists"), e.getMessage());
        assertEquals("keep me", Files.readString(existing), "never overwritten");
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> VSwap.builder().swapFile(dir.resolve("x.swap"), 4096).build());
        assertTrue(small.getMessage().contains("maxBytes"), small.getMessage());
        assertFalse(Files.exists(dir.resolve("x.swap")));
        try (VSwap vswap = VSwap.builder().swapFile(dir.resolve("y.swap"), 4L << 20).build()) {
            assertThrows(IllegalArgumentException.class, () -> vswap.retire(dir.resolve("nope.swap")));
            assertThrows(IllegalArgumentException.class, () -> vswap.addSwapFile(dir.resolve("y.swap"), 4L << 20, 0));
            vswap.retire(dir.resolve("y.swap"));
            assertFalse(Files.exists(dir.resolve("y.swap")));
            assertThrows(IllegalArgumentException.class, () -> vswap.retire(dir.resolve("y.swap")), "retired already");
            assertThrows(IllegalArgumentException.class, () -> vswap.setZswapMaxBytes(1));
        }
    }
}
