package dev.uvswap.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A group's reclaim found nothing it could take while over a limit (the pool full, no swap
 * file), so its faults stopped being held, or it recovered from that.
 */
@Name("dev.uvswap.GroupReclaimStuck")
@Label("uvswap Group Reclaim Stuck")
@Category("uvswap")
@Description("Reclaim of a group over its limit found nothing it could swap out (stuck = true), or succeeded again")
@StackTrace(false)
public final class GroupReclaimStuckEvent extends jdk.jfr.Event {
    @Label("VSwap") public String vswap;
    @Label("Group") public String group;
    @Label("Stuck") public boolean stuck;
    @Label("Memory Current") @DataAmount public long memoryCurrent;
    @Label("Memory High") @DataAmount public long memoryHigh;
    @Label("Memory Max") @DataAmount public long memoryMax;
}
