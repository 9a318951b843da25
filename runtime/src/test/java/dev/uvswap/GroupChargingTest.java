package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The vswap charging rules per group (architecture.md §6): pool bytes charged to zswap, file slots to
 * swap, limits on each, writeback switched per group; every charge goes back with its slot.
 */
class GroupChargingTest {
    private static final long MIB = 1 << 20;
    private static final long PAGE = 4096;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void poolBytesAreChargedToZswapAndNothingToSwapWithoutAFile() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("g");
            Region r = vswap.allocate(8 * MIB, g, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, r.size() / PAGE, 1);
            long out = r.pageOut(0, r.size());
            assertEquals(r.size() / PAGE, out);
            VSwapStats s = vswap.stats();
            assertEquals(s.poolCompressedBytes(), g.zswapCurrent(), "the only group: charged exactly the pool's stored bytes");
            assertEquals(0, g.swapCurrent(), "no file slot, no swap charge");
            PageData.assertMixed(r, r.size() / PAGE, 1);
            vswap.stats();
            assertEquals(0, g.zswapCurrent(), "swap-ins give the charge back");
        }
    }

    @Test
    void zswapMaxRefusesThePoolAndKeepsPagesInMemoryWithoutAFile() throws Exception {
        try (VSwap vswap = VSwap.builder().build()) {
            MemoryGroup g = vswap.createGroup("capped");
            MemoryGroup free = vswap.createGroup("free");
            g.setZswapMax(256 << 10);
            Region r = vswap.allocate(8 * MIB, g, RegionOption.SMALL_PAGES);
            Region f = vswap.allocate(8 * MIB, free, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, r.size() / PAGE, 2);
            PageData.fillMixed(f, f.size() / PAGE, 3);
            long out = r.pageOut(0, r.size());
            assertTrue(g.zswapCurrent() <= 256 << 10, "at most its zswapMax: " + g.zswapCurrent());
            assertTrue(out < r.size() / PAGE && r.residentBytes() > 0, "the rest stayed: " + out);
            assertTrue(g.events().zswapMaxRejects() > 0);
            assertEquals(f.size() / PAGE, f.pageOut(0, f.size()), "another group is not limited by it");
            PageData.assertMixed(r, r.size() / PAGE, 2);
            PageData.assertMixed(f, f.size() / PAGE, 3);
            assertThrows(IllegalArgumentException.class, () -> g.setZswapMax(-1));
        }
    }

    @Test
    void overZswapMaxPagesGoToTheFileUpToSwapMax() throws Exception {
        try (VSwap vswap = VSwap.builder().temporarySwapFile(dir, 64 * MIB).build()) {
            MemoryGroup g = vswap.createGroup("g");
            g.setZswapMax(256 << 10);
            g.setSwapMax(2 * MIB);
            Region r = vswap.allocate(8 * MIB, g, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, r.size() / PAGE, 4);
            r.pageOut(0, r.size());
            assertTrue(g.zswapCurrent() <= 256 << 10, "zswap " + g.zswapCurrent());
            assertEquals(2 * MIB, g.swapCurrent(), "file slots up to swapMax, 4 KiB each");
            assertEquals(2 * MIB, vswap.stats().fileSlotsUsed() * PAGE);
            assertTrue(r.residentBytes() > 0, "what neither took stayed in memory");
            PageData.assertMixed(r, r.size() / PAGE, 4);
            vswap.stats();
            assertEquals(0, g.swapCurrent());
            assertEquals(0, g.zswapCurrent());
        }
    }

    @Test
    void loweringZswapMaxWritesTheGroupsPagesBack() throws Exception {
        try (VSwap vswap = VSwap.builder().temporarySwapFile(dir, 64 * MIB).build()) {
            MemoryGroup g = vswap.createGroup("g");
            MemoryGroup bystander = vswap.createGroup("bystander");
            Region r = vswap.allocate(8 * MIB, g, RegionOption.SMALL_PAGES);
            Region b = vswap.allocate(8 * MIB, bystander, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, r.size() / PAGE, 5);
            PageData.fillMixed(b, b.size() / PAGE, 6);
            r.pageOut(0, r.size());
            b.pageOut(0, b.size());
            long before = g.zswapCurrent();
            long bystanderPool = bystander.zswapCurrent();
            assertEquals(0, g.swapCurrent());
            g.setZswapMax(before / 4);
            Await.until(() -> g.zswapCurrent() <= before / 4, () -> "written back to its new zswapMax: " + g.zswapCurrent());
            assertTrue(g.swapCurrent() > 0);
            assertEquals(bystanderPool, bystander.zswapCurrent(), "another group's pool pages stayed");
            assertEquals(0, bystander.swapCurrent());
            PageData.assertMixed(r, r.size() / PAGE, 5);
            PageData.assertMixed(b, b.size() / PAGE, 6);
        }
    }

    @Test
    void writebackOffKeepsTheGroupOutOfFiles() throws Exception {
        try (VSwap vswap = VSwap.builder().temporarySwapFile(dir, 64 * MIB).build()) {
            MemoryGroup parent = vswap.createGroup("parent");
            MemoryGroup g = parent.createChild("g");
            parent.setZswapWriteback(false);   // binds the child too
            g.setZswapMax(256 << 10);
            Region r = vswap.allocate(8 * MIB, g, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, r.size() / PAGE, 7);
            r.pageOut(0, r.size());
            assertEquals(0, g.swapCurrent());
            assertEquals(0, vswap.stats().fileSlotsUsed());
            assertTrue(r.residentBytes() > 0);
            parent.setZswapWriteback(true);
            assertTrue(r.pageOut(0, r.size()) > 0, "with writeback on, the rest goes to the file");
            assertTrue(g.swapCurrent() > 0 && parent.swapCurrent() == g.swapCurrent());
            PageData.assertMixed(r, r.size() / PAGE, 7);
        }
    }

    @Test
    void closingARegionGivesEveryChargeBack() throws Exception {
        try (VSwap vswap = VSwap.builder().temporarySwapFile(dir, 64 * MIB).build()) {
            MemoryGroup g = vswap.createGroup("g");
            g.setZswapMax(512 << 10);
            Region r = vswap.allocate(8 * MIB, g, RegionOption.SMALL_PAGES);
            PageData.fillMixed(r, r.size() / PAGE, 8);
            r.pageOut(0, r.size());
            assertTrue(g.zswapCurrent() > 0 && g.swapCurrent() > 0);
            r.close();
            assertEquals(0, g.zswapCurrent());
            assertEquals(0, g.swapCurrent());
            assertEquals(0, g.memoryCurrent());
        }
    }
}
