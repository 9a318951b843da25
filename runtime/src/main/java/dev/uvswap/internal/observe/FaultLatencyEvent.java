package dev.uvswap.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Fault service times of one kind over one period, from the native servers' histograms (the
 * difference of two reads; nothing runs on the fault path). One event per kind that was served.
 */
@Name("dev.uvswap.FaultLatency")
@Label("uvswap Fault Latency")
@Category("uvswap")
@Description("Service-time percentiles of the faults of one kind served since the previous event "
        + "(or since the VSwap started); buckets are within about 19%")
@Period("1 s")
@StackTrace(false)
public final class FaultLatencyEvent extends jdk.jfr.Event {
    @Label("VSwap") public String vswap;
    @Label("Kind") public String kind;
    @Label("Faults") public long count;
    @Label("Mean") @Timespan(Timespan.NANOSECONDS) public long mean;
    @Label("p50") @Timespan(Timespan.NANOSECONDS) public long p50;
    @Label("p90") @Timespan(Timespan.NANOSECONDS) public long p90;
    @Label("p99") @Timespan(Timespan.NANOSECONDS) public long p99;
    @Label("Max") @Description("Upper bound of the slowest bucket") @Timespan(Timespan.NANOSECONDS) public long max;
}
