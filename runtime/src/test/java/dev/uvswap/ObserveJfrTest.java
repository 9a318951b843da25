package dev.uvswap;

import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.fault.Userfaultfd;
import dev.uvswap.internal.group.MemoryGroupImpl;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A JFR recording made with uvswap.jfc over a workload that swaps (a region out and back, a
 * group past its max, a group whose reclaim gets stuck, a swap file added and retired) holds
 * the uvswap events, with values that agree with the VSwap's own counters.
 */
class ObserveJfrTest {
    private static final long PAGES = 1024;
    private static final long MIB = 1 << 20;
    private static final List<String> PERIODIC = List.of("dev.uvswap.Statistics", "dev.uvswap.FaultLatency",
            "dev.uvswap.SlowFaults", "dev.uvswap.GroupStatistics", "dev.uvswap.GroupOverLimit");

    @TempDir
    Path dir;

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void aRecordingHoldsTheUvswapEventsWithSaneValues() throws Exception {
        Configuration uvswap;
        try (var in = ObserveJfrTest.class.getResourceAsStream("/dev/uvswap/uvswap.jfc")) {
            assertNotNull(in, "uvswap.jfc is in the runtime jar");
            uvswap = Configuration.create(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        Path jfr = dir.resolve("uvswap.jfr");
        Path swapFile = dir.resolve("a.swap");
        VSwapStats after;
        long faultsAtStop;
        try (VSwap vswap = VSwap.builder().name("jfr-test").faultThreads(2).build();
             VSwap tight = VSwap.builder().name("jfr-stuck").poolMaxBytes(64 << 10).faultThreads(1).build()) {
            try (Recording rec = new Recording(uvswap)) {
                // Periodic events at the recording's start and stop: what they hold does not depend on timing.
                PERIODIC.forEach(name -> rec.enable(name).with("period", "everyChunk"));
                rec.enable("dev.uvswap.SlowFaults").with("slowerThan", "0 ns");   // every fault is "slow"
                rec.start();

                Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES);
                PageData.fillMixed(r, PAGES, 7);
                assertEquals(PAGES, r.pageOut(0, r.size()));
                PageData.assertMixed(r, PAGES, 7);

                if (((VSwapImpl) vswap).fileBackend() != null && poisonSupported()) {
                    vswap.addSwapFile(swapFile, 64 * MIB, 0);
                    vswap.retire(swapFile);
                }

                // The group's max is lowered below what it holds, as writing memory.max below
                // memory.current: the reclaimer finds it over max and takes the difference. Set
                // before the writes, the max could hold with no reclaimer event at all, since each
                // fault at max reclaims for itself (direct reclaim): seen on an idle machine.
                MemoryGroup g = vswap.createGroup("g");
                Region gr = vswap.allocate(32 * MIB, g);
                writeIndex(gr);
                g.setMemoryMax(8 * MIB);
                Await.until(() -> g.memoryCurrent() <= g.memoryMax(),
                        () -> "the reclaimer brought g under its max: " + g.memoryCurrent());
                checkIndex(gr);

                // A pool of one span and no file: reclaim finds nothing it can take.
                MemoryGroup s = tight.createGroup("s");
                s.setMemoryMax(4 * MIB);
                Region sr = tight.allocate(16 * MIB, s, RegionOption.SMALL_PAGES);
                PageData.fillMixed(sr, 16 * MIB / 4096, 11);
                MemoryGroupImpl si = (MemoryGroupImpl) s;
                Await.until(() -> si.reclaimStuck, "the tight group's reclaim is stuck");
                PageData.assertMixed(sr, 16 * MIB / 4096, 11);

                rec.stop();
                rec.dump(jfr);
                after = vswap.stats();
                faultsAtStop = after.faults(FaultKind.ZSWAP) + after.faults(FaultKind.ZERO);
            }
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().startsWith("dev.uvswap.")).toList();
        Map<String, List<RecordedEvent>> byType = events.stream()
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        for (String t : List.of("dev.uvswap.Statistics", "dev.uvswap.FaultLatency", "dev.uvswap.SlowFaults",
                "dev.uvswap.GroupStatistics", "dev.uvswap.GroupOverLimit", "dev.uvswap.GroupReclaimStuck")) {
            assertTrue(byType.containsKey(t), t + " recorded; got " + byType.keySet());
        }
        assertTrue(byType.get("dev.uvswap.Statistics").getFirst().getEventType().getCategoryNames().contains("uvswap"));

        // Statistics: the last one of jfr-test saw the whole workload of the first region.
        RecordedEvent stats = last(byType.get("dev.uvswap.Statistics"), "jfr-test");
        assertTrue(stats.getLong("pswpout") >= PAGES, "pswpout " + stats.getLong("pswpout"));
        assertTrue(stats.getLong("pswpin") >= PAGES, "pswpin " + stats.getLong("pswpin"));
        assertTrue(stats.getLong("pswpout") <= after.pswpout() && stats.getLong("pswpin") <= after.pswpin());
        assertEquals(after.poolMaxBytes(), stats.getLong("poolMaxBytes"));
        assertTrue(stats.getDouble("compressionRatio") >= 1.0);

        // Fault latency: per-period counts add up to no more than the counters; percentiles ordered.
        long latencyCount = 0;
        for (RecordedEvent e : of(byType.get("dev.uvswap.FaultLatency"), "jfr-test")) {
            long p50 = e.getDuration("p50").toNanos(), p90 = e.getDuration("p90").toNanos();
            long p99 = e.getDuration("p99").toNanos(), max = e.getDuration("max").toNanos();
            assertTrue(e.getLong("count") > 0);
            assertTrue(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= max, e.toString());
            assertTrue(e.getDuration("mean").toNanos() > 0);
            if (e.getString("kind").equals("ZSWAP") || e.getString("kind").equals("ZERO")) {
                latencyCount += e.getLong("count");
            }
        }
        assertTrue(latencyCount > 0 && latencyCount <= faultsAtStop, latencyCount + " of " + faultsAtStop);

        // Slow faults over 0 ns: every fault of the kind in the period.
        List<RecordedEvent> slow = of(byType.get("dev.uvswap.SlowFaults"), "jfr-test");
        assertFalse(slow.isEmpty());
        for (RecordedEvent e : slow) {
            assertEquals(0, e.getDuration("threshold").toNanos());
            assertTrue(e.getLong("count") > 0 && e.getLong("count") <= e.getLong("total"), e.toString());
        }

        RecordedEvent gs = last(byType.get("dev.uvswap.GroupStatistics"), "jfr-test");
        assertEquals("g", gs.getString("group"));
        assertEquals(8 * MIB, gs.getLong("memoryMax"));
        assertEquals(MemoryGroup.UNLIMITED, gs.getLong("memoryHigh"));
        assertTrue(gs.getLong("maxEvents") > 0, "the reclaimer found g over its max");
        // Reclaimed by the reclaimer or by the faults at max (direct reclaim): which one takes the
        // pages depends on the race; together they took more than the 24 MiB past max.
        assertTrue(gs.getLong("reclaimedBytes") + gs.getLong("directReclaimedBytes") >= 24 * MIB, gs::toString);

        RecordedEvent over = of(byType.get("dev.uvswap.GroupOverLimit"), "jfr-test").stream()
                .filter(e -> e.getString("group").equals("g")).findFirst().orElseThrow();
        assertTrue(over.getLong("overMax") > 0);
        assertEquals(8 * MIB, over.getLong("memoryMax"));

        RecordedEvent stuck = of(byType.get("dev.uvswap.GroupReclaimStuck"), "jfr-stuck").getFirst();
        assertEquals("s", stuck.getString("group"));
        assertTrue(stuck.getBoolean("stuck"));
        assertTrue(stuck.getLong("memoryCurrent") > stuck.getLong("memoryMax"));

        if (poisonSupported()) {
            List<String> actions = of(byType.getOrDefault("dev.uvswap.SwapFile", List.of()), "jfr-test").stream()
                    .filter(e -> e.getString("file").equals(swapFile.toString()))
                    .map(e -> e.getString("action")).toList();
            assertEquals(List.of("ADDED", "RETIRED"), actions);
        }
    }

    private static boolean poisonSupported() {
        try (dev.uvswap.internal.fault.Userfaultfd u = dev.uvswap.internal.fault.Userfaultfd.open(false)) {
            return u.poison();
        }
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String vswap) {
        return events.stream().filter(e -> vswap.equals(e.getString("vswap"))).toList();
    }

    private static RecordedEvent last(List<RecordedEvent> events, String vswap) {
        List<RecordedEvent> mine = of(events, vswap);
        assertFalse(mine.isEmpty(), "no event of " + vswap);
        return mine.getLast();
    }

    private static void writeIndex(Region r) {
        MemorySegment seg = r.segment();
        for (long w = 0; w < r.size() / 8; w++) {
            seg.set(ValueLayout.JAVA_LONG, w * 8, w);
        }
    }

    private static void checkIndex(Region r) {
        MemorySegment seg = r.segment();
        for (long w = 0; w < r.size() / 8; w++) {
            long v = seg.get(ValueLayout.JAVA_LONG, w * 8);
            if (v != w) {
                fail("word " + w + " reads " + v);
            }
        }
    }
}
