package dev.uvswap.internal.observe;

import dev.uvswap.FaultKind;
import dev.uvswap.LatencyPercentiles;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwapStats;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jfr.FlightRecorder;

import static java.lang.System.Logger.Level.DEBUG;

/**
 * The periodic JFR events of every live VSwap. JFR calls a hook only while a recording has its
 * event enabled, at the period asked for, on its own periodic thread: without a recording none of
 * this runs. Each hook reads the counters (a VSwap's stats drain its completions; the
 * histograms are plain loads) and emits one event per VSwap, kind or group.
 */
final class JfrHooks {
    private static final Set<Observed> LIVE = ConcurrentHashMap.newKeySet();
    /** CAS, not a monitor: JFR calls our listener holding its own lock, which register() then takes. */
    private static final java.util.concurrent.atomic.AtomicBoolean REGISTERED = new java.util.concurrent.atomic.AtomicBoolean();
    private static final java.util.concurrent.atomic.AtomicBoolean HOOKED = new java.util.concurrent.atomic.AtomicBoolean();

    private JfrHooks() {
    }

    static void join(Observed o) {
        LIVE.add(o);
        register();
    }

    static void leave(Observed o) {
        LIVE.remove(o);
    }

    /**
     * Once per JVM, and only once JFR is up: registering a periodic event starts JFR's metadata
     * machinery (0.05 s idle, seconds on a loaded machine), which a JVM that never records should
     * not pay. So until a recording initialises JFR (-XX:StartFlightRecording, jcmd JFR.start, a
     * new Recording), only a listener waits for it. A JVM without jdk.jfr just has no events.
     */
    private static void register() {
        if (!REGISTERED.compareAndSet(false, true)) {
            return;
        }
        try {
            if (FlightRecorder.isInitialized()) {
                addHooks();
            } else {
                FlightRecorder.addListener(new jdk.jfr.FlightRecorderListener() {
                    @Override
                    public void recorderInitialized(FlightRecorder recorder) {
                        addHooks();
                    }
                });
            }
        } catch (RuntimeException | LinkageError e) {
            Observed.LOG.log(DEBUG, "uvswap: no JFR events (JFR unavailable)", e);
        }
    }

    private static void addHooks() {
        if (!HOOKED.compareAndSet(false, true)) {
            return;
        }
        try {
            FlightRecorder.addPeriodicEvent(StatisticsEvent.class, () -> each(JfrHooks::statistics));
            FlightRecorder.addPeriodicEvent(FaultLatencyEvent.class, () -> each(JfrHooks::latency));
            FlightRecorder.addPeriodicEvent(SlowFaultsEvent.class, () -> each(JfrHooks::slowFaults));
            FlightRecorder.addPeriodicEvent(GroupStatisticsEvent.class, () -> each(JfrHooks::groupStatistics));
            FlightRecorder.addPeriodicEvent(GroupOverLimitEvent.class, () -> each(JfrHooks::overLimit));
        } catch (RuntimeException | LinkageError e) {
            Observed.LOG.log(DEBUG, "uvswap: no JFR events (JFR unavailable)", e);
        }
    }

    private static void each(java.util.function.Consumer<Observed> sampler) {
        for (Observed o : LIVE) {
            if (o.isClosed() || o.source() == null) {
                continue;
            }
            try {
                sampler.accept(o);
            } catch (IllegalStateException closedMeanwhile) {
                // the VSwap closed while we read it: nothing to report
            }
        }
    }

    private static void statistics(Observed o) {
        VSwapStats s = o.source().vswap().stats();
        StatisticsEvent e = new StatisticsEvent();
        e.vswap = o.name();
        e.poolStoredPages = s.poolStoredPages();
        e.poolCompressedBytes = s.poolCompressedBytes();
        e.poolTotalBytes = s.poolTotalBytes();
        e.poolMaxBytes = s.poolMaxBytes();
        e.zswapMaxBytes = s.zswapMaxBytes();
        e.compressionRatio = s.compressionRatio();
        e.slotsInUse = s.slotsInUse();
        e.slotClusters = s.slotClusters();
        e.stagingPages = s.stagingPages();
        e.pswpout = s.pswpout();
        e.pswpin = s.pswpin();
        e.zswpout = s.zswpout();
        e.zswpin = s.zswpin();
        e.swpoutZero = s.swpoutZero();
        e.swpinZero = s.swpinZero();
        e.cacheHits = s.cacheHits();
        e.poolRejects = s.poolRejects();
        e.swpoutFile = s.swpoutFile();
        e.swpinFile = s.swpinFile();
        e.zswpwb = s.zswpwb();
        e.fileSlotsUsed = s.fileSlotsUsed();
        e.fileBytes = s.fileBytes();
        e.fileBlockBytes = s.fileBlockBytes();
        e.thpSwpout = s.thpSwpout();
        e.thpSwpin = s.thpSwpin();
        e.faultErrors = s.faultErrors();
        e.backgroundErrors = s.backgroundErrors();
        e.fileWriteErrors = s.fileWriteErrors();
        e.fileReadErrors = s.fileReadErrors();
        e.poisonedPages = s.poisonedPages();
        e.commit();
    }

    private static void latency(Observed o) {
        FaultHistograms.Snapshot now = o.source().histograms().get();
        if (now == null) {
            return;
        }
        FaultHistograms.Snapshot period = now.minus(o.latencyBase);
        o.latencyBase = now;
        for (FaultKind k : FaultKind.values()) {
            if (period.count(k) <= 0) {
                continue;
            }
            LatencyPercentiles p = period.percentiles(k);
            FaultLatencyEvent e = new FaultLatencyEvent();
            e.vswap = o.name();
            e.kind = k.name();
            e.count = period.count(k);
            e.mean = Math.round(p.meanNanos());
            e.p50 = p.p50Nanos();
            e.p90 = p.p90Nanos();
            e.p99 = p.p99Nanos();
            e.max = p.maxNanos();
            e.commit();
        }
    }

    private static void slowFaults(Observed o) {
        FaultHistograms.Snapshot now = o.source().histograms().get();
        if (now == null) {
            return;
        }
        FaultHistograms.Snapshot period = now.minus(o.slowBase);
        o.slowBase = now;
        long threshold = SlowerThan.nanos();
        for (FaultKind k : FaultKind.values()) {
            long slow = period.atLeast(k, threshold);
            if (slow <= 0) {
                continue;
            }
            SlowFaultsEvent e = new SlowFaultsEvent();
            e.vswap = o.name();
            e.kind = k.name();
            e.count = slow;
            e.total = period.count(k);
            e.threshold = threshold;
            e.max = period.maxNanos(k);
            e.commit();
        }
    }

    private static void groupStatistics(Observed o) {
        for (MemoryGroup g : o.groups()) {
            MemoryGroup.Events ev = g.events();
            GroupStatisticsEvent e = new GroupStatisticsEvent();
            e.vswap = o.name();
            e.group = Observed.path(g);
            e.memoryCurrent = g.memoryCurrent();
            e.memoryHigh = g.memoryHigh();
            e.memoryMax = g.memoryMax();
            e.zswapCurrent = g.zswapCurrent();
            e.zswapMax = g.zswapMax();
            e.swapCurrent = g.swapCurrent();
            e.swapMax = g.swapMax();
            e.faultPressure = g.faultPressure();
            e.highEvents = ev.high();
            e.maxEvents = ev.max();
            e.reclaimFailures = ev.reclaimFailures();
            e.reclaimedBytes = ev.reclaimedBytes();
            e.directReclaimedBytes = ev.directReclaimedBytes();
            e.refaults = ev.refaults();
            e.workingsetRefaults = ev.workingsetRefaults();
            e.held = o.source().held().test(g);
            e.reclaimStuck = o.source().stuck().test(g);
            e.commit();
        }
    }

    private static final MemoryGroup.Events NONE = new MemoryGroup.Events(0, 0, 0, 0, 0, 0, 0, 0);

    private static void overLimit(Observed o) {
        for (MemoryGroup g : o.groups()) {
            MemoryGroup.Events now = g.events();
            MemoryGroup.Events before = o.overLimitBase.getOrDefault(g, NONE);
            o.overLimitBase.put(g, now);
            boolean held = o.source().held().test(g);
            long high = now.high() - before.high();
            long max = now.max() - before.max();
            long failures = now.reclaimFailures() - before.reclaimFailures();
            if (high == 0 && max == 0 && failures == 0 && !held) {
                continue;
            }
            GroupOverLimitEvent e = new GroupOverLimitEvent();
            e.vswap = o.name();
            e.group = Observed.path(g);
            e.overHigh = high;
            e.overMax = max;
            e.reclaimFailures = failures;
            e.reclaimedBytes = now.reclaimedBytes() - before.reclaimedBytes();
            e.held = held;
            e.memoryCurrent = g.memoryCurrent();
            e.memoryHigh = g.memoryHigh();
            e.memoryMax = g.memoryMax();
            e.commit();
        }
    }
}
