package dev.uvswap.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.SettingDefinition;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Faults of one kind that took at least the {@code slowerThan} setting (default 10 ms) during one
 * period, counted from the native histograms: the fault path stays native, so these are counts
 * per period, not one event per fault, and carry no stack trace.
 */
@Name("dev.uvswap.SlowFaults")
@Label("uvswap Slow Faults")
@Category("uvswap")
@Description("Faults of one kind whose service took at least the slowerThan setting since the previous "
        + "event (the threshold is rounded up to a histogram bucket boundary)")
@Period("1 s")
@StackTrace(false)
public final class SlowFaultsEvent extends jdk.jfr.Event {
    @Label("VSwap") public String vswap;
    @Label("Kind") public String kind;
    @Label("Slow Faults") public long count;
    @Label("Faults") @Description("All faults of the kind in the period") public long total;
    @Label("Threshold") @Timespan(Timespan.NANOSECONDS) public long threshold;
    @Label("Max") @Description("Upper bound of the slowest bucket") @Timespan(Timespan.NANOSECONDS) public long max;

    /** The threshold is read by the sampler (SlowerThan.nanos()); every sampled event commits. */
    @SettingDefinition
    @Name("slowerThan")
    @Label("Slower Than")
    @Description("Count faults that took at least this long, e.g. 10 ms, 500 us")
    protected boolean slowerThan(SlowerThan setting) {
        return true;
    }
}
