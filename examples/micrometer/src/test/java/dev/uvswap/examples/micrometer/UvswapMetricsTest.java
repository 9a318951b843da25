package dev.uvswap.examples.micrometer;

import dev.uvswap.FaultKind;
import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The binder against a real VSwap: pages swapped out and back, read through a registry, match the VSwap's own numbers. */
class UvswapMetricsTest {
    private static final long MIB = 1 << 20;

    @Test
    void theMetersShowWhatTheVSwapCounts() {
        try (VSwap vswap = VSwap.builder().name("metrics-test").build()) {
            MemoryGroup group = vswap.createGroup("cache");
            group.setMemoryMax(64 * MIB);
            try (Region r = vswap.allocate(8 * MIB, group, RegionOption.SMALL_PAGES)) {
                var seg = r.segment();
                for (long w = 0; w < r.size() / 8; w++) {
                    seg.set(ValueLayout.JAVA_LONG, w * 8, w * 0x9E3779B97F4A7C15L >>> 40);
                }
                long out = r.pageOut(0, r.size());
                for (long w = 0; w < r.size() / 8; w += 512) {
                    assertEquals(w * 0x9E3779B97F4A7C15L >>> 40, seg.get(ValueLayout.JAVA_LONG, w * 8), "word " + w);
                }
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                UvswapMetrics metrics = new UvswapMetrics(vswap, List.of(group), 0);   // a fresh snapshot every read
                metrics.bindTo(registry);
                VSwapStats s = vswap.stats();

                assertEquals(2048, out, "every page of the 8 MiB region left");
                assertEquals(s.pswpout(), count(registry, "uvswap.swap.out", "backend", "any"));
                assertTrue(count(registry, "uvswap.swap.out", "backend", "any") >= out);
                assertEquals(s.pswpin(), count(registry, "uvswap.swap.in", "backend", "any"));
                assertEquals(s.faults(FaultKind.ZSWAP), count(registry, "uvswap.faults", "kind", "zswap"));
                assertTrue(count(registry, "uvswap.faults", "kind", "zswap") + count(registry, "uvswap.swap.in", "backend", "any") > 0,
                        "the reads brought pages back");
                assertEquals(vswap.stats().poolMaxBytes(), registry.get("uvswap.pool.max").tag("vswap", "metrics-test").gauge().value());
                assertEquals(64.0 * MIB, registry.get("uvswap.group.memory.max").tag("group", "cache").gauge().value());
                assertEquals(-1.0, registry.get("uvswap.group.memory.high").tag("group", "cache").gauge().value(), "unlimited");
                double current = registry.get("uvswap.group.memory.current").tag("group", "cache").gauge().value();
                assertTrue(current > 0 && current <= 8 * MIB, "resident bytes of the group: " + current);
                assertEquals("seconds", registry.get("uvswap.fault.latency").tag("kind", "zswap").tag("quantile", "0.99")
                        .gauge().getId().getBaseUnit());
            }
        }
    }

    /**
     * Micrometer keeps a meter's state object weakly: with the binder as state, meters of a binder
     * nobody kept read 0 after a GC (CI saw swap.out 0 for 2,048 pages out). The VSwap is the state.
     */
    @Test
    void theMetersOutliveTheBinderObject() throws InterruptedException {
        try (VSwap vswap = VSwap.builder().build()) {
            try (Region r = vswap.allocate(1 * MIB, RegionOption.SMALL_PAGES)) {
                r.segment().fill((byte) 7);
                assertTrue(r.pageOut(0, r.size()) >= 256);
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                new UvswapMetrics(vswap, List.of(), 0).bindTo(registry);   // no reference kept, as usual
                for (int i = 0; i < 5; i++) {
                    System.gc();
                    Thread.sleep(10);
                }
                assertEquals(vswap.stats().pswpout(), count(registry, "uvswap.swap.out", "backend", "any"));
                assertTrue(vswap.stats().pswpout() >= 256);
            }
        }
    }

    @Test
    void aScrapeReadsOneSnapshot() {
        try (VSwap vswap = VSwap.builder().build()) {
            UvswapMetrics metrics = new UvswapMetrics(vswap, List.of(), 60_000_000_000L);
            VSwapStats first = metrics.stats();
            try (Region r = vswap.allocate(2 * MIB, RegionOption.SMALL_PAGES)) {
                r.segment().set(ValueLayout.JAVA_LONG, 0, 42);
                r.pageOut(0, r.size());
            }
            assertSame(first, metrics.stats(), "within maxAge the same snapshot");
            assertTrue(new UvswapMetrics(vswap, List.of(), 0).stats().pswpout() > first.pswpout(), "a new one sees the pageOut");
        }
    }

    private static double count(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.get(name).tag(tag, value).functionCounter().count();
    }
}
