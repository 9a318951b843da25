package dev.uvswap.examples.micrometer;

import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link VSwap}'s counters and its memory groups' limits and usage as Micrometer
 * meters, named in Micrometer's style ({@code uvswap.swap.out}, base unit bytes or pages), tagged
 * {@code vswap} with {@link VSwap#name()} and, for groups, {@code group} with the group's path.
 *
 * <p>{@link VSwap#stats()} reads every counter of the native side at once; a registry reads its
 * meters one by one, so the binder keeps one snapshot and takes a new one at most every
 * {@code maxAge} (a scrape reads one consistent snapshot, and costs one stats call).
 *
 * {@snippet :
 * new UvswapMetrics(vswap, List.of(cacheGroup)).bindTo(registry);
 * }
 */
public final class UvswapMetrics implements MeterBinder {
    private static final long DEFAULT_MAX_AGE_NANOS = 500_000_000L;

    private final VSwap vswap;
    private final List<MemoryGroup> groups;
    private final long maxAgeNanos;
    private final Tags tags;
    private VSwapStats snapshot;
    private long takenAt;

    /** Meters for {@code vswap} and for each of {@code groups} (their children are not added by themselves). */
    public UvswapMetrics(VSwap vswap, List<MemoryGroup> groups) {
        this(vswap, groups, DEFAULT_MAX_AGE_NANOS);
    }

    /** As {@link #UvswapMetrics(VSwap, List)}, with the snapshot reused for up to {@code maxAgeNanos}. */
    public UvswapMetrics(VSwap vswap, List<MemoryGroup> groups, long maxAgeNanos) {
        this.vswap = Objects.requireNonNull(vswap, "vswap");
        this.groups = List.copyOf(groups);
        if (maxAgeNanos < 0) {
            throw new IllegalArgumentException("maxAgeNanos < 0: " + maxAgeNanos);
        }
        this.maxAgeNanos = maxAgeNanos;
        this.tags = Tags.of(Tag.of("vswap", vswap.name()));
    }

    /** The current snapshot; a closed VSwap keeps its last one (stats of a closed VSwap are as they were). */
    synchronized VSwapStats stats() {
        long now = System.nanoTime();
        if (snapshot == null || now - takenAt >= maxAgeNanos) {
            snapshot = vswap.stats();
            takenAt = now;
        }
        return snapshot;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        bindPool(registry);
        bindSwap(registry);
        bindFaults(registry);
        for (MemoryGroup g : groups) {
            bindGroup(registry, g);
        }
    }

    private void bindPool(MeterRegistry registry) {
        gauge(registry, "uvswap.pool.compressed", "bytes", "bytes of compressed pages the pool holds", s -> s.poolCompressedBytes());
        gauge(registry, "uvswap.pool.used", "bytes", "bytes of pool spans in use (compressed bytes and their slack)", s -> s.poolTotalBytes());
        gauge(registry, "uvswap.pool.max", "bytes", "the pool's limit", s -> s.poolMaxBytes());
        gauge(registry, "uvswap.pool.stored", "pages", "pages the pool holds", s -> s.poolStoredPages());
        gauge(registry, "uvswap.pool.compression.ratio", null, "page bytes per compressed byte", VSwapStats::compressionRatio);
        gauge(registry, "uvswap.slots.used", "slots", "virtual swap slots allocated", s -> s.slotsInUse());
        gauge(registry, "uvswap.staging.pages", "pages", "pages parked in the swap cache", s -> s.stagingPages());
        gauge(registry, "uvswap.swapfile.used", "bytes", "bytes of swap-file blocks in use (pages packed)", s -> s.fileBlockBytes());
    }

    private void bindSwap(MeterRegistry registry) {
        counter(registry, "uvswap.swap.out", "pages that left memory", Tags.of("backend", "any"), s -> s.pswpout());
        counter(registry, "uvswap.swap.out", "pages that left memory", Tags.of("backend", "zswap"), s -> s.zswpout());
        counter(registry, "uvswap.swap.out", "pages that left memory", Tags.of("backend", "zero"), s -> s.swpoutZero());
        counter(registry, "uvswap.swap.out", "pages that left memory", Tags.of("backend", "file"), s -> s.swpoutFile());
        counter(registry, "uvswap.swap.in", "pages that came back", Tags.of("backend", "any"), s -> s.pswpin());
        counter(registry, "uvswap.swap.in", "pages that came back", Tags.of("backend", "zswap"), s -> s.zswpin());
        counter(registry, "uvswap.swap.in", "pages that came back", Tags.of("backend", "zero"), s -> s.swpinZero());
        counter(registry, "uvswap.swap.in", "pages that came back", Tags.of("backend", "file"), s -> s.swpinFile());
        counter(registry, "uvswap.writeback", "pages written from the pool to a swap file", Tags.empty(), s -> s.zswpwb());
        counter(registry, "uvswap.pool.rejects", "pages the pool refused", Tags.empty(), s -> s.poolRejects());
        counter(registry, "uvswap.errors", "failures the fault path or a background thread survived",
                Tags.of("where", "fault"), s -> s.faultErrors());
        counter(registry, "uvswap.errors", "failures the fault path or a background thread survived",
                Tags.of("where", "background"), s -> s.backgroundErrors());
    }

    private void bindFaults(MeterRegistry registry) {
        for (FaultKind kind : FaultKind.values()) {
            Tags kindTag = Tags.of("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
            counter(registry, "uvswap.faults", "faults served", kindTag, s -> s.faults(kind));
            for (var p : List.of(new Percentile("0.5", LatencyPercentiles::p50Nanos), new Percentile("0.99", LatencyPercentiles::p99Nanos))) {
                Gauge.builder("uvswap.fault.latency", vswap, v -> seconds(stats(), kind, p.of()))
                        .description("fault service time since start, by kind (from the native histograms)")
                        .baseUnit("seconds").tags(tags).tags(kindTag).tag("quantile", p.quantile())
                        .register(registry);
            }
        }
    }

    private record Percentile(String quantile, ToDoubleFunction<LatencyPercentiles> of) { }

    private static double seconds(VSwapStats s, FaultKind kind, ToDoubleFunction<LatencyPercentiles> p) {
        LatencyPercentiles l = s.faultLatency().getOrDefault(kind, LatencyPercentiles.EMPTY);
        return p.applyAsDouble(l) / 1e9;
    }

    private void bindGroup(MeterRegistry registry, MemoryGroup g) {
        Tags groupTags = tags.and("group", path(g));
        groupGauge(registry, g, groupTags, "uvswap.group.memory.current", "resident and parked bytes of the subtree", MemoryGroup::memoryCurrent);
        groupGauge(registry, g, groupTags, "uvswap.group.memory.max", "memoryMax (-1: unlimited)", x -> limit(x.memoryMax()));
        groupGauge(registry, g, groupTags, "uvswap.group.memory.high", "memoryHigh (-1: unlimited)", x -> limit(x.memoryHigh()));
        groupGauge(registry, g, groupTags, "uvswap.group.zswap.current", "pool bytes charged to the subtree", MemoryGroup::zswapCurrent);
        groupGauge(registry, g, groupTags, "uvswap.group.swap.current", "swap-file bytes charged to the subtree", MemoryGroup::swapCurrent);
        Gauge.builder("uvswap.group.fault.pressure", g, MemoryGroup::faultPressure)
                .description("seconds of fault service and holds per second").tags(groupTags).register(registry);
        FunctionCounter.builder("uvswap.group.events", g, x -> x.events().max()).description("times found over a limit")
                .tags(groupTags).tag("limit", "max").register(registry);
        FunctionCounter.builder("uvswap.group.events", g, x -> x.events().high()).description("times found over a limit")
                .tags(groupTags).tag("limit", "high").register(registry);
        FunctionCounter.builder("uvswap.group.reclaimed", g, x -> x.events().reclaimedBytes()).description("bytes reclaimed")
                .baseUnit("bytes").tags(groupTags).tag("by", "reclaimer").register(registry);
        FunctionCounter.builder("uvswap.group.reclaimed", g, x -> x.events().directReclaimedBytes())
                .description("bytes reclaimed").baseUnit("bytes").tags(groupTags).tag("by", "faults").register(registry);
    }

    private static double limit(long bytes) {
        return bytes == MemoryGroup.UNLIMITED ? -1 : bytes;
    }

    private static String path(MemoryGroup g) {
        return g.parent() == null ? g.name() : path(g.parent()) + "/" + g.name();
    }

    private void gauge(MeterRegistry registry, String name, String unit, String description, ToDoubleFunction<VSwapStats> f) {
        Gauge.Builder<VSwap> b = Gauge.builder(name, vswap, v -> f.applyAsDouble(stats())).description(description).tags(tags);
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, Tags extra, ToDoubleFunction<VSwapStats> f) {
        String unit = name.startsWith("uvswap.swap.") || name.equals("uvswap.writeback") || name.equals("uvswap.pool.rejects")
                ? "pages" : name.equals("uvswap.faults") ? "faults" : "errors";
        // The meter's state is the VSwap, which its owner holds: Micrometer keeps state weakly, and a
        // binder nobody references after bindTo (the usual case) would be collected, its meters
        // then reading 0. The function holds the binder (its snapshot) strongly.
        FunctionCounter.builder(name, vswap, v -> f.applyAsDouble(stats())).description(description)
                .baseUnit(unit).tags(tags).tags(extra).register(registry);
    }

    private static void groupGauge(MeterRegistry registry, MemoryGroup g, Tags groupTags, String name, String description,
                                   ToDoubleFunction<MemoryGroup> f) {
        Gauge.builder(name, g, f).description(description).baseUnit("bytes").tags(groupTags).register(registry);
    }
}
