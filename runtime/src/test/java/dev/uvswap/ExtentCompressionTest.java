package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Compression units (VSwap.Builder.extentCompression, issue 18): aligned runs of 16 pages that
 * leave together are stored as one zstd frame, and every way a page comes back or goes away
 * (a 4 KiB fault anywhere in its unit, readahead, a whole-extent swap-in, a prefault, a close,
 * a store that loses its page to a fault) gives back exactly its bytes and, with the unit's
 * last page, every pool object of the unit. Every byte of every page is checked.
 */
class ExtentCompressionTest {
    private static final long PAGE = 4096;
    private static final long PAGES = 2048;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    private static VSwap.Builder units(FaultMode mode) {
        return VSwap.builder().compressor(Compressor.ZSTD).extentCompression(true).faultMode(mode);
    }

    /** Nothing of any unit is left: no page, no pool object, no slot, no error. */
    private static void assertAllFreed(VSwap vswap) {
        VSwapStats s = vswap.stats();
        assertEquals(0, s.unitPages(), "no unit page left: " + s);
        assertEquals(0, s.poolStoredPages(), "no pool object left: " + s);
        assertEquals(0, s.poolCompressedBytes(), s.toString());
        assertEquals(0, s.slotsInUse(), s.toString());
        assertEquals(0, s.faultErrors(), s.toString());
        assertEquals(0, s.backgroundErrors(), s.toString());
    }

    /**
     * Every kind of page (random, heap-like, zero, same-filled, text), paged out as whole runs:
     * stored as units, then read back in a random order, so each 4 KiB fault decodes its unit
     * from another one than the last, and at the end every unit is gone.
     */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void everyPageKindComesBackThroughItsUnitInAnyOrder(FaultMode mode) {
        try (VSwap vswap = units(mode).build()) {
            try (Region r = vswap.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES)) {
                PageData.fillMixed(r, PAGES, 7);
                assertEquals(PAGES, r.pageOut(0, r.size()));
                VSwapStats s = vswap.stats();
                assertTrue(s.unitPages() >= PAGES / 2, "most pages left in units: " + s);
                assertEquals(s.poolStoredPages() + s.swpoutZero(), PAGES, "the pool counts a unit's pages: " + s);
                SplittableRandom rnd = new SplittableRandom(3);
                long[] order = new long[(int) PAGES];
                for (int i = 0; i < PAGES; i++) {
                    order[i] = i;
                }
                for (int i = (int) PAGES - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    long t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (long p : order) {
                    PageData k = PageData.mixed(p, 7);
                    assertEquals(-1, k.check(r.segment(), p, 7), "page " + p + " (" + k + ")");
                }
                PageData.assertMixed(r, PAGES, 7);
            }
            assertAllFreed(vswap);
        }
    }

    /**
     * Records (JSON) in units against the same pages one frame each, in the same run: fewer pool
     * bytes, and a sequential reader (readahead runs) gets every byte back.
     */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void unitsTakeFewerPoolBytesAndReadBackSequentially(FaultMode mode) {
        long alone;
        try (VSwap vswap = VSwap.builder().compressor(Compressor.ZSTD).faultMode(mode).build();
             Region r = vswap.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES)) {
            RecordPages.JSON.fill(r.segment(), PAGES, 11);
            assertEquals(PAGES, r.pageOut(0, r.size()));
            alone = vswap.stats().poolCompressedBytes();
        }
        try (VSwap vswap = units(mode).build()) {
            try (Region r = vswap.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES)) {
                RecordPages.JSON.fill(r.segment(), PAGES, 11);
                assertEquals(PAGES, r.pageOut(0, r.size()));
                VSwapStats s = vswap.stats();
                System.out.printf("units (%s): JSON records, %d pages: pool bytes %d in units, %d alone (%.1f%%)%n",
                        mode, PAGES, s.poolCompressedBytes(), alone, 100.0 * s.poolCompressedBytes() / alone);
                assertEquals(PAGES, s.unitPages(), "every aligned run left as a unit: " + s);
                assertTrue(s.poolCompressedBytes() < alone, "units " + s.poolCompressedBytes() + " B, alone " + alone + " B");
                assertEquals(-1, RecordPages.JSON.firstWrong(r.segment(), PAGES, 11));
                assertTrue(vswap.stats().readaheadRuns() > 0, "the reader was served runs");
            }
            assertAllFreed(vswap);
        }
    }

    /** Huge-page regions: whole extents leave and come back whole, each unit decoded for its 16 pages. */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void wholeExtentsLeaveAsUnitsAndComeBackWhole(FaultMode mode) {
        long extents = 4, pages = extents * 512;
        try (VSwap vswap = units(mode).build()) {
            try (Region r = vswap.allocate(pages * PAGE)) {
                PageData.fillMixed(r, pages, 13);
                assertEquals(pages, r.pageOut(0, r.size()));
                assertTrue(vswap.stats().unitPages() > 0, vswap.stats().toString());
                // A sequential reader: its extents come back whole (the next continues recent access).
                PageData.assertMixed(r, pages, 13);
                assertTrue(vswap.stats().thpSwpin() > 0, "extents came back as huge pages: " + vswap.stats());
            }
            assertAllFreed(vswap);
        }
    }

    /**
     * A unit loses pages one by one: some come back by faults, the rest leave with a close. Pages
     * touched again leave alone the second time (their run is broken), and a prefault brings a
     * unit's remaining pages back through a Java thread's own decode.
     */
    @Test
    void aUnitIsFreedWithItsLastPageWhicheverWayItGoes() {
        try (VSwap vswap = units(FaultMode.SERVER_THREADS).build()) {
            Region r = vswap.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, PAGES, 17);
            assertEquals(PAGES, r.pageOut(0, r.size()));
            long units = vswap.stats().unitPages();
            // One page in every unit comes back, then leaves again, alone.
            for (long p = 5; p < PAGES; p += 16) {
                assertEquals(-1, PageData.mixed(p, 17).check(r.segment(), p, 17), "page " + p);
            }
            assertTrue(vswap.stats().unitPages() < units, "the faulted pages left their units");
            r.pageOut(0, r.size());
            // Half the region back through prefault (uvs_populate on this thread), half stays out.
            r.prefault(0, r.size() / 2);
            PageData.assertMixed(r, PAGES, 17);
            r.pageOut(0, r.size());
            r.close();   // what is still out goes with the region
            assertAllFreed(vswap);
        }
    }

    /**
     * A group whose zswapMax is below one unit, with a swap file: the unit is refused, its pages
     * are compressed again one by one and go where the pool's refusals go (the file), and all
     * come back.
     */
    @Test
    void aRefusedUnitsPagesGoAloneToTheFile() {
        try (VSwap vswap = units(FaultMode.SERVER_THREADS).temporarySwapFile(dir, 64L << 20).build()) {
            MemoryGroup g = vswap.createGroup("small-zswap");
            g.setZswapMax(4096);
            try (Region r = vswap.allocate(PAGES * PAGE, g, RegionOption.SMALL_PAGES)) {
                RecordPages.XML.fill(r.segment(), PAGES, 19);
                assertEquals(PAGES, r.pageOut(0, r.size()));
                VSwapStats s = vswap.stats();
                assertEquals(0, s.unitPages(), "no unit fits a 4 KiB zswapMax: " + s);
                assertTrue(s.swpoutFile() > PAGES / 2, "the refused pages went to the file: " + s);
                assertEquals(-1, RecordPages.XML.firstWrong(r.segment(), PAGES, 19));
            }
            assertAllFreed(vswap);
        }
    }

    /**
     * Writeback of units: with the pool's writeback limit at 256 KiB, the units' pages must
     * leave for the swap file, so writeback splits each unit into pages of their own first
     * (UnitSplit) while the faults of a reader race it. Every page comes back from wherever it
     * is, and nothing is left.
     */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void writebackSplitsUnitsAndTheirPagesLeaveForTheFile(FaultMode mode) throws Exception {
        try (VSwap vswap = units(mode).zswapMaxBytes(256 << 10).temporarySwapFile(dir, 64L << 20).build()) {
            try (Region r = vswap.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES)) {
                RecordPages.JSON.fill(r.segment(), PAGES, 23);
                assertEquals(PAGES, r.pageOut(0, r.size()));
                assertTrue(vswap.stats().unitsStored() > 0, vswap.stats().toString());
                // Half read back while writeback splits and writes, then the rest once it settled.
                assertEquals(-1, RecordPages.JSON.firstWrong(r.segment().asSlice(0, PAGES / 2 * PAGE), PAGES / 2, 23));
                Await.writebackSettled(vswap, 256 << 10);
                VSwapStats s = vswap.stats();
                System.out.printf("units (%s) with writeback: %d units stored, %d split, %d pages written back%n",
                        mode, s.unitsStored(), s.unitsSplit(), s.zswpwb());
                assertTrue(s.unitsSplit() > 0, "writeback split units: " + s);
                assertTrue(s.zswpwb() > 0 && s.fileSlotsUsed() > 0, "units' pages were written back: " + s);
                assertTrue(s.unitPages() < PAGES / 2, "the units left the pool: " + s);
                assertEquals(-1, RecordPages.JSON.firstWrong(r.segment(), PAGES, 23));
            }
            assertAllFreed(vswap);
        }
    }

    @Test
    void unitsNeedZstd() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> VSwap.builder().compressor(Compressor.LZ4).extentCompression(true).build());
        assertTrue(e.getMessage().contains("zstd"), e.getMessage());
    }
}
