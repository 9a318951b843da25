package dev.uvswap.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * The reclaimer found a group over a limit during the period (its high, max and failure counters
 * moved), or its faults are being held: one event per group and period, only when something
 * happened. The reclaimer checks every 5 ms, so the counts are checks, not episodes.
 */
@Name("dev.uvswap.GroupOverLimit")
@Label("uvswap Group Over Limit")
@Category("uvswap")
@Description("A memory group was found over memoryHigh or memoryMax, failed to reclaim, or had its faults "
        + "held, since the previous event")
@Period("1 s")
@StackTrace(false)
public final class GroupOverLimitEvent extends jdk.jfr.Event {
    @Label("VSwap") public String vswap;
    @Label("Group") public String group;
    @Label("Over High") @Description("Reclaimer checks that found it over memoryHigh") public long overHigh;
    @Label("Over Max") @Description("Reclaimer checks that found it over memoryMax") public long overMax;
    @Label("Reclaim Failures") public long reclaimFailures;
    @Label("Reclaimed") @DataAmount public long reclaimedBytes;
    @Label("Held") @Description("Its faults wait for reclaim now") public boolean held;
    @Label("Memory Current") @DataAmount public long memoryCurrent;
    @Label("Memory High") @DataAmount public long memoryHigh;
    @Label("Memory Max") @DataAmount public long memoryMax;
}
