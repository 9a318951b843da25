package dev.uvswap.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Percentage;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** A memory group's usage, limits and event counters (its subtree's, as MemoryGroup reports them). */
@Name("dev.uvswap.GroupStatistics")
@Label("uvswap Group Statistics")
@Category("uvswap")
@Description("A memory group's memory, pool and swap-file use against its limits, and its event counters")
@Period("1 s")
@StackTrace(false)
public final class GroupStatisticsEvent extends jdk.jfr.Event {
    @Label("VSwap") public String vswap;
    @Label("Group") @Description("Its path from the top, parent/child") public String group;
    @Label("Memory Current") @DataAmount public long memoryCurrent;
    @Label("Memory High") @DataAmount public long memoryHigh;
    @Label("Memory Max") @DataAmount public long memoryMax;
    @Label("Zswap Current") @DataAmount public long zswapCurrent;
    @Label("Zswap Max") @DataAmount public long zswapMax;
    @Label("Swap Current") @DataAmount public long swapCurrent;
    @Label("Swap Max") @DataAmount public long swapMax;
    @Label("Fault Pressure") @Percentage public double faultPressure;
    @Label("High Events") public long highEvents;
    @Label("Max Events") public long maxEvents;
    @Label("Reclaim Failures") public long reclaimFailures;
    @Label("Reclaimed") @Description("By the group reclaimer") @DataAmount public long reclaimedBytes;
    @Label("Direct Reclaimed") @Description("By the group's own faults, at memoryMax (direct reclaim)") @DataAmount
    public long directReclaimedBytes;
    @Label("Refaults") public long refaults;
    @Label("Workingset Refaults") public long workingsetRefaults;
    @Label("Held") @Description("Its faults wait for reclaim (over memoryMax by more than the slack)") public boolean held;
    @Label("Reclaim Stuck") public boolean reclaimStuck;
}
