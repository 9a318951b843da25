package dev.uvswap;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.far.FarTier;
import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.region.RegionImpl;
import dev.uvswap.internal.slot.SlotDescriptor;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The far tier on a real Redis server (issue 18): pages written back from the pool when no file
 * has room go to the server and come back through C's GET on the fault path, byte for byte;
 * a server killed mid-writeback, refusing connections, evicting keys, full, or holding a damaged
 * value loses nothing and maps no wrong byte; two uvswaps on one server keep apart; retire under
 * faults moves every page back. Every byte is checked.
 */
class FarTierTest {
    private static final long POOL_LIMIT = 1 << 20;
    private static final PageData[] KINDS = {PageData.HEAP_LIKE, PageData.RANDOM, PageData.HEAP_LIKE,
            PageData.ZERO, PageData.HEAP_LIKE, PageData.SAME_FILLED, PageData.HEAP_LIKE};

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    private static PageData kind(long page) {
        return KINDS[(int) (page % KINDS.length)];
    }

    private static void fill(Region r, long from, long to, long seed) {
        for (long p = from; p < to; p++) {
            kind(p).fill(r.segment(), p, seed);
        }
    }

    private static void checkAll(Region r, long pages, long seed) {
        for (long p = 0; p < pages; p++) {
            assertEquals(-1, kind(p).check(r.segment(), p, seed), "page " + p);
        }
    }

    private static VSwap vswap() {
        return VSwap.builder().zswapMaxBytes(POOL_LIMIT).build();
    }

    private static FarTier far(VSwap v) {
        return ((VSwapImpl) v).fileBackend().files().far();
    }

    /** Waits until writeback has stopped: the pool under its limit and no page written back for 200 ms. */
    private static void settle(VSwap vswap) throws InterruptedException {
        Await.until(() -> vswap.stats().poolTotalBytes() <= POOL_LIMIT, () -> "the pool under its limit: " + vswap.stats());
        still(() -> vswap.stats().zswpwb(), 200, () -> "writeback settled: " + vswap.stats());
    }

    /** Waits until {@code count} has not moved for {@code quietMs}. */
    private static void still(java.util.function.LongSupplier count, long quietMs, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long[] last = {-1};
        Await.until(() -> {
            long now = count.getAsLong();
            boolean still = now == last[0];
            last[0] = now;
            if (!still) {
                sleep(quietMs);
            }
            return still;
        }, what);
    }

    /** Every page is back in its region: waits until the drainer has freed their far objects. */
    private static void drained(VSwap vswap) throws InterruptedException {
        Await.until(() -> vswap.farTier().orElseThrow().pagesUsed() == 0, () -> "far objects freed: " + vswap.farTier());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The file handle a page's slot holds, or -1 when it is not in a file or the far tier (white-box). */
    private static long fileHandle(VSwap v, Region r, long page) {
        long w = ((RegionImpl) r).pagemap().segment().getAtIndex(ValueLayout.JAVA_LONG, page);
        long d = w == 0 ? 0 : ((VSwapImpl) v).slotDescriptor(w >>> uvswap_h.UVS_PM_SHIFT());
        return w != 0 && SlotDescriptor.tag(d) == SlotDescriptor.TAG_FILE ? SlotDescriptor.payload(d) : -1;
    }

    /** The far object id a page's slot names, or -1. */
    private static long farId(VSwap v, Region r, long page) {
        long fh = fileHandle(v, r, page);
        return fh != -1 && FileHandle.file(fh) == far(v).index() ? FileHandle.offset(fh) : -1;
    }

    @Test
    void everyPageKindGoesToTheServerAndComesBack() throws Exception {
        long pages = 8192;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = vswap();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
            String prefix = far(vswap).keyPrefix();
            fill(r, 0, pages, 1);
            assertEquals(pages, r.pageOut(0, pages * 4096));
            settle(vswap);
            FarTierStats s = vswap.farTier().orElseThrow();
            VSwapStats vs = vswap.stats();
            assertTrue(s.pagesUsed() > pages / 2, "most pages on the server: " + s);
            assertEquals(vs.zswpwb(), s.written(), "every page written back went to the far tier: " + vs);
            assertEquals(s.pagesUsed(), vs.farPagesUsed());
            assertEquals(s.storedBytes(), vs.farBytes());
            assertTrue(vs.toString().contains("far tier"), vs::toString);
            assertEquals(0, vs.fileSlotsUsed());
            assertEquals(s.pagesUsed() + 1, redis.keys(prefix), "a key a page, and the instance's owner key");
            checkAll(r, pages, 1);
            VSwapStats read = vswap.stats();
            assertTrue(read.fileReadaheadReads() > 0, "far pages read ahead in pipelined rounds: " + read);
            drained(vswap);
            FarTierStats after = vswap.farTier().orElseThrow();
            assertEquals(0, after.storedBytes(), after::toString);
            assertEquals(s.pagesUsed(), vswap.stats().swpinFile(), "each far page was read once, by a fault or read ahead");
            assertEquals(0, vswap.stats().faultErrors());
            Await.until(() -> {
                try {
                    return redis.keys(prefix) == 1;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, "the freed pages' keys unlinked");
        }
    }

    /**
     * Pages compressed with a group's zstd dictionary keep it on the server (the frame names it)
     * and decode as before when a fault reads them back.
     */
    @Test
    void dictionaryPagesGoToTheServerAndComeBack() throws Exception {
        long train = 6144;
        long pages = 4096;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = VSwap.builder().zswapMaxBytes(64L << 20).dictionaries(true).build()) {
            MemoryGroup g = vswap.createGroup("records");
            var round = g.trainDictionary();
            try (Region t = vswap.allocate(train * 4096, g, RegionOption.SMALL_PAGES);
                 Region r = vswap.allocate(pages * 4096, g, RegionOption.SMALL_PAGES)) {
                RecordPages.JSON.fill(t.segment(), train, 21);
                t.pageOut(0, t.size());
                DictionaryTrial trial = round.get(5, java.util.concurrent.TimeUnit.MINUTES);
                assertTrue(trial.kept(), trial::toString);
                vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
                long dp = vswap.stats().dictionaryPages();
                RecordPages.JSON.fill(r.segment(), pages, 22);
                r.pageOut(0, r.size());
                assertEquals(pages, vswap.stats().dictionaryPages() - dp, "r's pages used the dictionary");
                vswap.setZswapMaxBytes(POOL_LIMIT);
                settle(vswap);
                assertTrue(vswap.farTier().orElseThrow().pagesUsed() > (train + pages) / 2, () -> vswap.farTier().toString());
                assertEquals(-1, RecordPages.JSON.firstWrong(r.segment(), pages, 22));
                assertEquals(-1, RecordPages.JSON.firstWrong(t.segment(), train, 21));
                VSwapStats s = vswap.stats();
                assertTrue(s.swpinFile() > pages / 2, s::toString);
                assertEquals(0, s.faultErrors(), s::toString);
                assertEquals(0, s.fileReadErrors(), s::toString);
            }
        }
    }

    /**
     * Compression units reach the far tier as pages of their own: writeback splits each unit
     * first (a sixteenth of a frame cannot leave alone), then sends its pages to the server;
     * they come back byte for byte, and nothing is left in the pool or on the server.
     */
    @Test
    void unitsAreSplitAndTheirPagesGoToTheServer() throws Exception {
        long pages = 4096;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = VSwap.builder().zswapMaxBytes(POOL_LIMIT).extentCompression(true).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
            RecordPages.XML.fill(r.segment(), pages, 31);
            assertEquals(pages, r.pageOut(0, r.size()));
            settle(vswap);
            VSwapStats s = vswap.stats();
            assertTrue(s.unitsSplit() > 0, "writeback split units: " + s);
            assertTrue(vswap.farTier().orElseThrow().pagesUsed() > pages / 2, () -> vswap.farTier().toString());
            assertEquals(-1, RecordPages.XML.firstWrong(r.segment(), pages, 31));
            drained(vswap);
            VSwapStats after = vswap.stats();
            assertEquals(0, after.unitPages(), after::toString);
            assertEquals(0, after.poolStoredPages(), after::toString);
            assertEquals(0, vswap.farTier().orElseThrow().storedBytes());
            assertEquals(0, after.faultErrors(), after::toString);
            assertEquals(0, after.backgroundErrors(), after::toString);
        }
    }

    /**
     * A region of 2 MiB extents: a fault on an extent with far pages cannot assemble it from the
     * page cache (every far read waits on the network), so it falls back to 4 KiB faults, which
     * read the far pages; every byte comes back.
     */
    @Test
    void hugePageRegionsReadFarPagesOneAtATime() throws Exception {
        long pages = 8192;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = vswap();
             Region r = vswap.allocate(pages * 4096)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(r.hugePages(), "transparent huge pages are off here");
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
            fill(r, 0, pages, 13);
            assertEquals(pages, r.pageOut(0, pages * 4096));
            settle(vswap);
            long inFar = vswap.farTier().orElseThrow().pagesUsed();
            assertTrue(inFar > pages / 2, vswap.farTier()::toString);
            checkAll(r, pages, 13);
            assertEquals(inFar, vswap.stats().swpinFile(), "each far page read once");
            assertEquals(0, vswap.stats().poisonedPages());
            drained(vswap);
        }
    }

    /**
     * pool → files → far tier: the file fills first; once it is full, its oldest pages are
     * demoted to the far tier (FILE(file) → SWAPOFF → FILE(far), no page map read), so the pages
     * leaving the pool later, which are warmer, stay on this machine.
     */
    @Test
    void theFileFillsFirstThenItsColdestPagesAreDemoted() throws Exception {
        long half = 16384;
        long pages = 2 * half;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = VSwap.builder().zswapMaxBytes(POOL_LIMIT).swapFile(dir.resolve("small.swap"), 24 << 20).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("localhost", redis.port, 1L << 30));
            fill(r, 0, pages, 2);
            assertEquals(half, r.pageOut(0, half * 4096));
            settle(vswap);
            VSwapStats first = vswap.stats();
            assertEquals(first.zswpwb(), first.fileSlotsUsed(), "the first half fits the file: " + first);
            assertEquals(0, vswap.farTier().orElseThrow().pagesUsed());

            assertEquals(half, r.pageOut(half * 4096, half * 4096));
            settle(vswap);
            FarTierStats f = vswap.farTier().orElseThrow();
            VSwapStats s = vswap.stats();
            assertTrue(f.demoted() > 0 && f.pagesUsed() > 0, f::toString);
            assertEquals(s.zswpwb() + f.demoted(), s.fileSlotsUsed() + f.pagesUsed() + f.demoted(), s + " " + f);
            long[] firstWhere = where(vswap, r, 0, half);
            long[] secondWhere = where(vswap, r, half, pages);
            System.out.printf("demotion: first half %,d in the file, %,d far; second half %,d in the file, %,d far%n",
                    firstWhere[0], firstWhere[1], secondWhere[0], secondWhere[1]);
            assertTrue(secondWhere[0] > 9 * secondWhere[1], "the later (warmer) pages stay in the file");
            // Clusters are demoted in turn, and B's pages also fill the holes demotion left in them,
            // so a few of B's go far too: the far tier holds mostly the older pages.
            assertTrue(firstWhere[1] > 4 * secondWhere[1], "the older pages went on to the far tier");
            checkAll(r, pages, 2);
            drained(vswap);
            assertEquals(0, vswap.stats().fileSlotsUsed());
        }
    }

    /** Of pages [from, to): how many are in a swap file, how many in the far tier. */
    private static long[] where(VSwap v, Region r, long from, long to) {
        long[] n = new long[2];
        for (long p = from; p < to; p++) {
            long fh = fileHandle(v, r, p);
            if (fh != -1) {
                n[FileHandle.file(fh) == far(v).index() ? 1 : 0]++;
            }
        }
        return n;
    }

    /**
     * The server (append-only, fsync always) is killed while writeback streams pages to it:
     * what it acknowledged is in its log, what it did not stays in the pool, and writeback goes
     * on once it is back. Every page comes back.
     */
    @Test
    void aServerKilledMidWritebackLosesNothing() throws Exception {
        long pages = 16384;
        long chunk = 512;
        List<FarTierEvent> events = new CopyOnWriteArrayList<>();
        try (RedisServer redis = RedisServer.start(dir, "--appendonly", "yes", "--appendfsync", "always");
             VSwap vswap = VSwap.builder().zswapMaxBytes(POOL_LIMIT).poolMaxBytes(256L << 20).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30).withEvents(events::add));
            fill(r, 0, pages, 3);
            boolean killed = false;
            for (long p = 0; p < pages; p += chunk) {
                assertEquals(chunk, r.pageOut(p * 4096, chunk * 4096));
                if (!killed && vswap.farTier().orElseThrow().written() > 0 && p >= pages / 3) {
                    redis.kill();   // writeback is mid-stream: the pool is over its limit with pages to go
                    killed = true;
                }
            }
            assertTrue(killed);
            Await.until(() -> events.stream().anyMatch(e -> e instanceof FarTierEvent.Unreachable),
                    () -> "writeback saw the server gone: " + events + " " + vswap.farTier());
            long during = vswap.farTier().orElseThrow().written();
            assertTrue(vswap.stats().poolTotalBytes() > POOL_LIMIT, "the pages the server did not take stay in the pool");
            redis.restart();
            settle(vswap);
            FarTierStats f = vswap.farTier().orElseThrow();
            assertTrue(f.written() > during, "writeback went on after the restart: " + during + " then " + f);
            checkAll(r, pages, 3);
            drained(vswap);
            assertEquals(0, vswap.stats().poisonedPages());
        }
    }

    /**
     * The server goes away while threads fault on its pages: a read that cannot reach it is
     * retried (it may come back), never answered with wrong bytes; once the server is back (its
     * append-only log loaded) every fault completes with the page it stored. Both fault modes:
     * on the faulting thread (in uvswap's SIGBUS handler) and on the fault servers.
     */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void faultsWaitOutAServerRestartAndLoseNothing(FaultMode mode) throws Exception {
        long pages = 4096;
        RegionOption where = mode == FaultMode.IN_THREAD ? RegionOption.FAULTS_IN_THREAD : RegionOption.FAULTS_ON_SERVERS;
        try (RedisServer redis = RedisServer.start(dir, "--appendonly", "yes", "--appendfsync", "always");
             VSwap vswap = vswap();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES, where)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
            fill(r, 0, pages, 9);
            r.pageOut(0, pages * 4096);
            settle(vswap);
            long inFar = vswap.farTier().orElseThrow().pagesUsed();
            assertTrue(inFar > pages / 2, vswap.farTier()::toString);
            redis.kill();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    checkAll(r, pages, 9);
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            Thread.sleep(500);
            assertTrue(reader.isAlive(), "the reader waits for the server");
            redis.restart();
            reader.join();
            assertTrue(failures.isEmpty(), failures::toString);
            assertEquals(0, vswap.stats().poisonedPages());
            assertEquals(inFar, vswap.stats().swpinFile(), "every far page came back from the server");
            drained(vswap);
        }
    }

    @Test
    void aServerThatCannotBeReachedIsRefusedAtAttach() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();   // closed: nothing listens there
        }
        try (VSwap vswap = vswap()) {
            VSwapException e = assertThrows(VSwapException.class,
                    () -> vswap.addFarTier(FarTierSpec.redis("127.0.0.1", port, 1L << 30)));
            assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
            assertTrue(vswap.farTier().isEmpty());
            assertThrows(IllegalStateException.class, vswap::retireFarTier);
            assertThrows(IllegalArgumentException.class, () -> FarTierSpec.redis("127.0.0.1", 0, 1));
            assertThrows(IllegalArgumentException.class, () -> FarTierSpec.redis("127.0.0.1", 6379, 0));
        }
    }

    /**
     * A server with a password: without AUTH (or with a wrong one) the tier is refused at attach;
     * with it, uvswap's connections and the fault path's (C's, made on first use) both
     * authenticate, and every page comes back. The password never shows in the spec's text.
     */
    @Test
    void aServerWithAPasswordTakesAuth() throws Exception {
        long pages = 2048;
        try (RedisServer redis = RedisServer.start(dir, "--requirepass", "s3cret-far");
             VSwap vswap = vswap();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            VSwapException none = assertThrows(VSwapException.class,
                    () -> vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30)));
            assertTrue(none.getMessage().contains("NOAUTH"), none.getMessage());
            VSwapException wrong = assertThrows(VSwapException.class,
                    () -> vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30).withPassword("nope")));
            assertTrue(wrong.getMessage().contains("AUTH refused"), wrong.getMessage());
            assertTrue(vswap.farTier().isEmpty());
            FarTierSpec spec = FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30).withPassword("s3cret-far");
            assertFalse(spec.toString().contains("s3cret"), spec::toString);
            vswap.addFarTier(spec);
            fill(r, 0, pages, 12);
            r.pageOut(0, pages * 4096);
            settle(vswap);
            assertTrue(vswap.farTier().orElseThrow().pagesUsed() > pages / 2, vswap.farTier()::toString);
            checkAll(r, pages, 12);
            assertEquals(0, vswap.stats().poisonedPages());
            drained(vswap);
        }
    }

    @Test
    void aServerThatEvictsKeysIsRefused() throws Exception {
        try (RedisServer redis = RedisServer.start(dir, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru");
             VSwap vswap = vswap()) {
            VSwapException e = assertThrows(VSwapException.class,
                    () -> vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30)));
            assertTrue(e.getMessage().contains("allkeys-lru"), e.getMessage());
            assertTrue(vswap.farTier().isEmpty());
            assertEquals(0, redis.keys("uvs:"), "nothing claimed");
        }
    }

    /** A server at its maxmemory (noeviction) answers OOM: the pages stay in the pool. */
    @Test
    void aFullServerLeavesThePagesInThePool() throws Exception {
        long pages = 16384;
        List<FarTierEvent> events = new CopyOnWriteArrayList<>();
        try (RedisServer redis = RedisServer.start(dir, "--maxmemory", "4mb", "--maxmemory-policy", "noeviction");
             VSwap vswap = VSwap.builder().zswapMaxBytes(POOL_LIMIT).poolMaxBytes(256L << 20).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30).withEvents(events::add));
            fill(r, 0, pages, 4);
            assertEquals(pages, r.pageOut(0, pages * 4096));
            Await.until(() -> events.stream().anyMatch(e -> e instanceof FarTierEvent.Full),
                    () -> "the server said OOM: " + events + " " + vswap.farTier());
            FarTierStats f = vswap.farTier().orElseThrow();
            assertTrue(f.pagesUsed() > 0 && f.full() > 0, f::toString);
            assertTrue(vswap.stats().poolTotalBytes() > POOL_LIMIT, "the rest stays in the pool: " + vswap.stats());
            checkAll(r, pages, 4);
            drained(vswap);
        }
    }

    /** The tier's own maxBytes: writeback stops there, and the pages stay in the pool. */
    @Test
    void theTiersMaxBytesHolds() throws Exception {
        long pages = 8192;
        long max = 512 << 10;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = VSwap.builder().zswapMaxBytes(POOL_LIMIT).poolMaxBytes(256L << 20).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, max));
            fill(r, 0, pages, 5);
            assertEquals(pages, r.pageOut(0, pages * 4096));
            Await.until(() -> vswap.farTier().orElseThrow().full() > 0, () -> "maxBytes reached: " + vswap.farTier());
            FarTierStats f = vswap.farTier().orElseThrow();
            assertTrue(f.storedBytes() <= max && f.storedBytes() > max / 2, f::toString);
            checkAll(r, pages, 5);
        }
    }

    /**
     * Two uvswaps on one server: each reads its own pages, neither sees the other's keys, and
     * closing one removes its keys alone. A value that is not the object its slot names (here,
     * another key's bytes written under it, as a foreign writer would) is never decoded: the
     * read fails, the page and its slot stay, and once the value is right again the page comes
     * back intact.
     */
    @Test
    void twoInstancesKeepApartAndAForeignValueIsNeverMapped() throws Exception {
        long pages = 4096;
        String pb;
        try (RedisServer redis = RedisServer.start(dir)) {
            VSwap a = vswap();
            Region ra = a.allocate(pages * 4096, RegionOption.SMALL_PAGES);
            try (VSwap b = vswap(); Region rb = b.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
                a.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
                b.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
                String pa = far(a).keyPrefix();
                pb = far(b).keyPrefix();
                assertNotEquals(pa, pb);
                fill(ra, 0, pages, 6);
                fill(rb, 0, pages, 7);
                ra.pageOut(0, pages * 4096);
                rb.pageOut(0, pages * 4096);
                settle(a);
                settle(b);
                long inA = a.farTier().orElseThrow().pagesUsed();
                long inB = b.farTier().orElseThrow().pagesUsed();
                assertEquals(inA + 1, redis.keys(pa));
                assertEquals(inB + 1, redis.keys(pb));

                // b's page 0 and page 7 (same kind) on the server: put 7's value under 0's key.
                long id0 = farId(b, rb, 0);
                long id7 = farId(b, rb, 7);
                assertTrue(id0 >= 0 && id7 >= 0, "pages 0 and 7 of b are on the server");
                String k0 = far(b).key(id0);
                String k7 = far(b).key(id7);
                assertEquals("OK", redis.cli("RENAME", k0, k0 + ".saved"));
                assertEquals("1", redis.cli("COPY", k7, k0));
                VSwapException e = assertThrows(VSwapException.class, () -> rb.prefault(0, 4096));
                assertEquals(id0, farId(b, rb, 0), "the slot still names the page after: " + e.getMessage());
                assertEquals("1", redis.cli("DEL", k0));
                assertEquals("OK", redis.cli("RENAME", k0 + ".saved", k0));

                // Page 1 is incompressible, stored raw (no decoder to notice): the right record
                // with four bytes of the page changed fails its CRC-32C.
                long id1 = farId(b, rb, 1);
                assertTrue(id1 >= 0, "page 1 of b is on the server");
                String k1 = far(b).key(id1);
                assertEquals("1", redis.cli("COPY", k1, k1 + ".saved"));
                assertEquals("4128", redis.cli("STRLEN", k1), "a raw page: 32-byte record + 4096");
                assertEquals("4128", redis.cli("SETRANGE", k1, "4000", "ZZZZ"));
                assertThrows(VSwapException.class, () -> rb.prefault(4096, 4096));
                assertEquals(id1, farId(b, rb, 1), "the slot still names the page");
                assertEquals("1", redis.cli("DEL", k1));
                assertEquals("OK", redis.cli("RENAME", k1 + ".saved", k1));
                checkAll(rb, pages, 7);
            }
            assertEquals(0, redis.keys(pb), "b's keys went with it");
            assertEquals(a.farTier().orElseThrow().pagesUsed() + 1, redis.keys(far(a).keyPrefix()), "a's stay");
            checkAll(ra, pages, 6);
            ra.close();
            a.close();
            assertEquals(0, redis.keys("uvs:"), "every key gone with its VSwap");
        }
    }

    /**
     * Per group: farMax 0 keeps a group's pages on this machine (in the pool, as no file has
     * room), while another group's go to the far tier and are charged to its farCurrent.
     */
    @Test
    void aGroupsFarMaxKeepsItsPagesOnThisMachine() throws Exception {
        long pages = 4096;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = VSwap.builder().zswapMaxBytes(POOL_LIMIT).poolMaxBytes(256L << 20).build()) {
            MemoryGroup local = vswap.createGroup("local");
            MemoryGroup shared = vswap.createGroup("shared");
            local.setFarMax(0);
            assertEquals(0, local.farMax());
            assertEquals(MemoryGroup.UNLIMITED, shared.farMax());
            assertThrows(IllegalArgumentException.class, () -> shared.setFarMax(-1));
            try (Region rl = vswap.allocate(pages * 4096, local, RegionOption.SMALL_PAGES);
                 Region rs = vswap.allocate(pages * 4096, shared, RegionOption.SMALL_PAGES)) {
                vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
                fill(rl, 0, pages, 10);
                fill(rs, 0, pages, 11);
                rl.pageOut(0, pages * 4096);
                rs.pageOut(0, pages * 4096);
                Await.until(() -> vswap.farTier().orElseThrow().pagesUsed() > pages / 2,
                        () -> "the shared group's pages on the server: " + vswap.farTier());
                // writeback retries the far tier a second after a refusal: quiet for longer than that
                still(() -> vswap.farTier().orElseThrow().written(), 1200, () -> "far writes settled: " + vswap.farTier());
                FarTierStats f = vswap.farTier().orElseThrow();
                assertEquals(0, local.farCurrent(), "farMax 0: none of local's pages left the machine");
                assertEquals(f.storedBytes(), shared.farCurrent(), "shared's far pages, charged to it: " + f);
                assertTrue(local.zswapCurrent() > 0, "local's pages stay in the pool");
                for (long p = 0; p < pages; p++) {
                    assertEquals(-1, farId(vswap, rl, p), "local page " + p + " is not on the server");
                }
                checkAll(rl, pages, 10);
                checkAll(rs, pages, 11);
                drained(vswap);
                assertEquals(0, shared.farCurrent());
                assertEquals(0, shared.swapCurrent());
            }
        }
    }

    /**
     * A second uvswap process on the same server, writing and reading its own pages while this
     * one reads its pages back: each sees only its own keys and bytes, and the child's keys go
     * with it when it closes.
     */
    @Test
    void aSecondProcessOnTheSameServerNeitherSeesNorClobbersOurPages() throws Exception {
        long pages = 4096;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = vswap();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
            String ours = far(vswap).keyPrefix();
            fill(r, 0, pages, 14);
            r.pageOut(0, pages * 4096);
            settle(vswap);
            long inFar = vswap.farTier().orElseThrow().pagesUsed();
            assertEquals(inFar + 1, redis.keys(ours));

            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), FarTierChildMain.class.getName(),
                    Integer.toString(redis.port), "15", "8192").redirectErrorStream(true).start();
            String[] out = new String[1];
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    out[0] = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    out[0] = e.toString();
                }
            });
            checkAll(r, pages / 2, 14);   // half of ours back while the child works
            assertTrue(child.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the child finished");
            reader.join();
            assertEquals(0, child.exitValue(), out[0]);
            var m = java.util.regex.Pattern.compile("prefix (\\S+) far (\\d+) wrong pages 0").matcher(out[0]);
            assertTrue(m.find(), out[0]);
            assertNotEquals(ours, m.group(1));
            assertTrue(Long.parseLong(m.group(2)) >= 4096, out[0]);   // the child waits for half its 8,192 pages
            assertEquals(0, redis.keys(m.group(1)), "the child's keys went with it");
            checkAll(r, pages, 14);
            drained(vswap);
        }
    }

    @Test
    void retiringTheFarTierUnderFaultsMovesEveryPageBack() throws Exception {
        long pages = 8192;
        try (RedisServer redis = RedisServer.start(dir);
             VSwap vswap = vswap();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", redis.port, 1L << 30));
            fill(r, 0, pages, 8);
            r.pageOut(0, pages * 4096);
            settle(vswap);
            long inFar = vswap.farTier().orElseThrow().pagesUsed();
            assertTrue(inFar > pages / 2);
            vswap.setZswapMaxBytes(1L << 40);   // the pool takes the tier's pages back
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    for (long p = pages - 1; p >= pages / 2 && !stop.get(); p -= 3) {
                        assertEquals(-1, kind(p).check(r.segment(), p, 8), "page " + p);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            try {
                vswap.retireFarTier();
            } finally {
                stop.set(true);
                reader.join();
            }
            assertTrue(failures.isEmpty(), failures::toString);
            assertTrue(vswap.farTier().isEmpty(), "retired and removed");
            VSwapStats s = vswap.stats();
            assertEquals(s.zswpwb(), s.swapoffPages() + s.swpinFile(), "each page written back was read back or moved once");
            assertEquals(0, redis.keys("uvs:"), "its keys and its owner key are gone");
            checkAll(r, pages, 8);
        }
    }
}
