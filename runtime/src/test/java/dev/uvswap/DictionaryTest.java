package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * zstd dictionaries per memory group (issue 18): trained from the group's own pages, kept only
 * where the trial shows a gain, used by swap-out, read back from the pool and from a swap file
 * by both fault modes, versioned (pages of an older dictionary still decode), and refused on
 * data they cannot help. Every byte of every page is checked.
 */
class DictionaryTest {
    /** A training round samples one page in four until it has 1024: 16 MiB of compressible pages. */
    private static final long TRAIN_PAGES = 6144;
    private static final long PAGES = 2048;
    private static final long PAGE = 4096;

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    private static DictionaryTrial await(CompletableFuture<DictionaryTrial> round) throws Exception {
        // A bound for a hang, not a speed: training 3 MiB of samples takes well under a second.
        return round.get(5, TimeUnit.MINUTES);
    }

    /** Trains a group's dictionary on {@link #TRAIN_PAGES} pages of {@code kind}; returns the region (paged out). */
    private static Region train(VSwap vswap, MemoryGroup g, RecordPages kind, long seed, DictionaryTrial[] out) throws Exception {
        CompletableFuture<DictionaryTrial> round = g.trainDictionary();
        Region r = vswap.allocate(TRAIN_PAGES * PAGE, g, RegionOption.SMALL_PAGES);
        kind.fill(r.segment(), TRAIN_PAGES, seed);
        assertEquals(TRAIN_PAGES, r.pageOut(0, r.size()));
        out[0] = await(round);
        return r;
    }

    /** Pool bytes the pages of {@code kind} take in a VSwap without dictionaries: the control. */
    private static long withoutDictionary(RecordPages kind, long seed) {
        try (VSwap plain = VSwap.builder().build(); Region r = plain.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES)) {
            kind.fill(r.segment(), PAGES, seed);
            r.pageOut(0, r.size());
            return plain.stats().poolCompressedBytes();
        }
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void aKeptDictionaryShrinksTheGroupsPagesWhichComeBackFromPoolAndFile(FaultMode mode) throws Exception {
        long control = withoutDictionary(RecordPages.JSON, 2);
        try (VSwap vswap = VSwap.builder().faultMode(mode).dictionaries(true)
                .temporarySwapFile(dir, 256L << 20).build()) {
            MemoryGroup g = vswap.createGroup("records");
            DictionaryTrial[] t = new DictionaryTrial[1];
            try (Region a = train(vswap, g, RecordPages.JSON, 1, t);
                 Region b = vswap.allocate(PAGES * PAGE, g, RegionOption.SMALL_PAGES)) {
                assertTrue(t[0].kept(), t[0]::toString);
                assertTrue(t[0].ratio() <= DictionaryTrial.KEEP_BELOW, t[0]::toString);
                assertEquals(768, t[0].trainPages());
                assertEquals(256, t[0].judgedPages());
                CompressionDictionary d = g.dictionary().orElseThrow();
                assertEquals(1, d.version());
                assertEquals(t[0], d.trial());
                assertTrue(d.bytes() > 0 && d.bytes() <= 64 << 10, d::toString);

                VSwapStats before = vswap.stats();
                assertEquals(1, before.dictionaries());
                RecordPages.JSON.fill(b.segment(), PAGES, 2);
                assertEquals(PAGES, b.pageOut(0, b.size()));
                VSwapStats after = vswap.stats();
                assertEquals(PAGES, after.dictionaryPages() - before.dictionaryPages(), "every page of b used the dictionary");
                long with = after.poolCompressedBytes() - before.poolCompressedBytes();
                assertTrue(with < control, "with the dictionary " + with + " bytes, without " + control);
                System.out.printf("%s: trial %s; b's %d pages %d bytes with the dictionary, %d without (%.1f%%)%n",
                        mode, t[0], PAGES, with, control, 100.0 * with / control);

                assertEquals(-1, RecordPages.JSON.firstWrong(a.segment(), TRAIN_PAGES, 1), "a, from the pool");
                assertEquals(-1, RecordPages.JSON.firstWrong(b.segment(), PAGES, 2), "b, from the pool");

                // Out again, with the dictionary, and on to the swap file: its faults decode the same frames.
                a.pageOut(0, a.size());
                b.pageOut(0, b.size());
                vswap.setZswapMaxBytes(1L << 16);
                Await.until(() -> vswap.stats().fileSlotsUsed() >= (TRAIN_PAGES + PAGES) / 2,
                        () -> "writeback moved the pages to the file: " + vswap.stats());
                assertEquals(-1, RecordPages.JSON.firstWrong(a.segment(), TRAIN_PAGES, 1), "a, from pool and file");
                assertEquals(-1, RecordPages.JSON.firstWrong(b.segment(), PAGES, 2), "b, from pool and file");
                VSwapStats s = vswap.stats();
                assertTrue(s.swpinFile() > 0, s::toString);
                assertEquals(0, s.faultErrors(), s::toString);
                assertEquals(0, s.fileReadErrors(), s::toString);
            }
        }
    }

    /**
     * A second round on data of another shape keeps a second dictionary; pages compressed with
     * the first (their frames name it) still come back, as do the second's and the pages of a
     * group that never had one.
     */
    @Test
    void aNewVersionLeavesTheOldPagesReadable() throws Exception {
        try (VSwap vswap = VSwap.builder().dictionaries(true).build()) {
            MemoryGroup g = vswap.createGroup("store");
            DictionaryTrial[] t = new DictionaryTrial[1];
            try (Region first = train(vswap, g, RecordPages.JSON, 3, t);
                 Region v1 = vswap.allocate(PAGES * PAGE, g, RegionOption.SMALL_PAGES);
                 Region other = vswap.allocate(PAGES * PAGE, RegionOption.SMALL_PAGES)) {
                CompressionDictionary d1 = g.dictionary().orElseThrow(() -> new AssertionError(t[0].toString()));
                RecordPages.JSON.fill(v1.segment(), PAGES, 4);
                v1.pageOut(0, v1.size());

                try (Region second = train(vswap, g, RecordPages.XML, 5, t);
                     Region v2 = vswap.allocate(PAGES * PAGE, g, RegionOption.SMALL_PAGES)) {
                    assertTrue(t[0].kept(), t[0]::toString);
                    CompressionDictionary d2 = g.dictionary().orElseThrow();
                    assertEquals(2, d2.version());
                    assertNotEquals(d1.id(), d2.id());
                    long dp = vswap.stats().dictionaryPages();
                    RecordPages.XML.fill(v2.segment(), PAGES, 6);
                    v2.pageOut(0, v2.size());
                    assertEquals(PAGES, vswap.stats().dictionaryPages() - dp);
                    RecordPages.XML.fill(other.segment(), PAGES, 7);   // ungrouped: its own round, not yet trained
                    other.pageOut(0, other.size());
                    assertEquals(2, vswap.stats().dictionaries());

                    assertEquals(-1, RecordPages.JSON.firstWrong(v1.segment(), PAGES, 4), "version 1's pages");
                    assertEquals(-1, RecordPages.XML.firstWrong(v2.segment(), PAGES, 6), "version 2's pages");
                    assertEquals(-1, RecordPages.XML.firstWrong(other.segment(), PAGES, 7), "no dictionary");
                    assertEquals(-1, RecordPages.JSON.firstWrong(first.segment(), TRAIN_PAGES, 3));
                    assertEquals(-1, RecordPages.XML.firstWrong(second.segment(), TRAIN_PAGES, 5));
                    assertEquals(0, vswap.stats().faultErrors());
                }
            }
        }
    }

    /**
     * A group rechecks its dictionary as it swaps out (here every 8192 pages, a system property;
     * 1 GiB by default): when its data changes shape, a new round keeps a dictionary for the new
     * shape; when its data stops compressing with any dictionary, the one in use is dropped. Every
     * page of every version comes back.
     */
    @Test
    void aGroupRechecksItsDictionaryAsItsDataChanges() throws Exception {
        System.setProperty("dev.uvswap.dictionaryRecheckPages", "8192");
        try (VSwap vswap = VSwap.builder().dictionaries(true).build()) {
            System.clearProperty("dev.uvswap.dictionaryRecheckPages");
            MemoryGroup g = vswap.createGroup("drifting");
            DictionaryTrial[] t = new DictionaryTrial[1];
            long pages = 16384;
            try (Region json = train(vswap, g, RecordPages.JSON, 31, t);
                 Region xml = vswap.allocate(pages * PAGE, g, RegionOption.SMALL_PAGES);
                 Region noise = vswap.allocate(pages * PAGE, g, RegionOption.SMALL_PAGES)) {
                CompressionDictionary d1 = g.dictionary().orElseThrow(() -> new AssertionError(t[0].toString()));
                RecordPages.XML.fill(xml.segment(), pages, 32);
                xml.pageOut(0, xml.size());
                Await.until(() -> g.dictionary().map(CompressionDictionary::version).orElse(0) == 2,
                        () -> "a second version for the new shape: " + g.dictionary());
                CompressionDictionary d2 = g.dictionary().orElseThrow();
                assertNotEquals(d1.id(), d2.id());
                assertTrue(d2.trial().bytesWithCurrent() > d2.trial().bytesWith(), d2::toString);

                for (long p = 0; p < pages; p++) {
                    (p % 2 == 0 ? PageData.RANDOM : PageData.HEAP_LIKE).fill(noise.segment(), p, 33);
                }
                noise.pageOut(0, noise.size());
                Await.until(() -> g.dictionary().isEmpty(), () -> "the dictionary dropped on data it cannot help: " + g.dictionary());
                assertEquals(2, vswap.stats().dictionaries(), "both stay installed: their pages still decode");

                assertEquals(-1, RecordPages.JSON.firstWrong(json.segment(), TRAIN_PAGES, 31));
                assertEquals(-1, RecordPages.XML.firstWrong(xml.segment(), pages, 32));
                for (long p = 0; p < pages; p++) {
                    assertEquals(-1, (p % 2 == 0 ? PageData.RANDOM : PageData.HEAP_LIKE).check(noise.segment(), p, 33), "page " + p);
                }
                assertEquals(0, vswap.stats().faultErrors());
            }
        } finally {
            System.clearProperty("dev.uvswap.dictionaryRecheckPages");
        }
    }

    /** Incompressible pages: the trial finds no gain, no dictionary is kept, the pages come back. */
    @Test
    void noGainNoDictionary() throws Exception {
        try (VSwap vswap = VSwap.builder().dictionaries(true).build()) {
            MemoryGroup g = vswap.createGroup("random");
            CompletableFuture<DictionaryTrial> round = g.trainDictionary();
            try (Region r = vswap.allocate(TRAIN_PAGES * PAGE, g, RegionOption.SMALL_PAGES)) {
                for (long p = 0; p < TRAIN_PAGES; p++) {
                    // Half random, half text: compresses, but the random half holds no shared structure.
                    (p % 2 == 0 ? PageData.RANDOM : PageData.HEAP_LIKE).fill(r.segment(), p, 9);
                }
                r.pageOut(0, r.size());
                DictionaryTrial t = await(round);
                assertFalse(t.kept(), t::toString);
                assertTrue(t.verdict().contains("saves") || t.verdict().contains("could not train"), t::toString);
                assertTrue(g.dictionary().isEmpty());
                assertEquals(0, vswap.stats().dictionaries());
                for (long p = 0; p < TRAIN_PAGES; p++) {
                    assertEquals(-1, (p % 2 == 0 ? PageData.RANDOM : PageData.HEAP_LIKE).check(r.segment(), p, 9), "page " + p);
                }
            }
        }
    }

    @Test
    void badUseIsRefusedClearly() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VSwap.builder().compressor(Compressor.LZ4).dictionaries(true).build());
        assertTrue(e.getMessage().contains("ZSTD"), e.getMessage());
        try (VSwap plain = VSwap.builder().build()) {
            IllegalStateException s = assertThrows(IllegalStateException.class, () -> plain.createGroup("g").trainDictionary());
            assertTrue(s.getMessage().contains("dictionaries"), s.getMessage());
            assertTrue(plain.createGroup("h").dictionary().isEmpty());
        }
        // A round still sampling when its VSwap closes fails, and says why.
        CompletableFuture<DictionaryTrial> pending;
        MemoryGroup g;
        try (VSwap vswap = VSwap.builder().dictionaries(true).build()) {
            g = vswap.createGroup("g");
            pending = g.trainDictionary();
            assertSame(pending, g.trainDictionary(), "one round at a time");
        }
        ExecutionException x = assertThrows(ExecutionException.class, () -> pending.get(1, TimeUnit.MINUTES));
        assertInstanceOf(IllegalStateException.class, x.getCause());
        assertThrows(IllegalStateException.class, g::trainDictionary);
    }
}
