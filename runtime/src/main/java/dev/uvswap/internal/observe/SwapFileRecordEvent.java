package dev.uvswap.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** Something happened to a swap file: added, retired, or a {@link dev.uvswap.SwapFileEvent}. */
@Name("dev.uvswap.SwapFile")
@Label("uvswap Swap File")
@Category("uvswap")
@Description("A swap file was added or retired, or hit a write error, no space, became full or was deleted")
@StackTrace(false)
public final class SwapFileRecordEvent extends jdk.jfr.Event {
    @Label("VSwap") public String vswap;
    @Label("File") public String file;
    @Label("Action") @Description("ADDED, RETIRED, WRITE_ERROR, NO_SPACE, FULL or DELETED") public String action;
    @Label("Errno") public int errno;
    @Label("Bad Slots") public int badSlots;
    @Label("Max Size") @DataAmount public long maxBytes;
}
