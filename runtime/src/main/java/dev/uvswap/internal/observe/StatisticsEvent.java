package dev.uvswap.internal.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** A VSwap's counters, as {@link dev.uvswap.VSwapStats} has them (cumulative since it started). */
@Name("dev.uvswap.Statistics")
@Label("uvswap Statistics")
@Category("uvswap")
@Description("A VSwap's pool, slots and swap counters by backend, cumulative since it started")
@Period("1 s")
@StackTrace(false)
public final class StatisticsEvent extends jdk.jfr.Event {
    @Label("VSwap") public String vswap;
    @Label("Pool Stored Pages") public long poolStoredPages;
    @Label("Pool Compressed Bytes") @DataAmount public long poolCompressedBytes;
    @Label("Pool Memory") @Description("Memory the pool holds (its spans)") @DataAmount public long poolTotalBytes;
    @Label("Pool Limit") @DataAmount public long poolMaxBytes;
    @Label("Writeback Threshold") @DataAmount public long zswapMaxBytes;
    @Label("Compression Ratio") public double compressionRatio;
    @Label("Slots In Use") public long slotsInUse;
    @Label("Slot Clusters") public long slotClusters;
    @Label("Staging Pages") public long stagingPages;
    @Label("Swapped Out") @Description("Pages swapped out (pool and zero pages)") public long pswpout;
    @Label("Swapped In") @Description("Pages swapped in (faults and prefaults)") public long pswpin;
    @Label("Stored In Pool") public long zswpout;
    @Label("Loaded From Pool") public long zswpin;
    @Label("Zero Pages Out") public long swpoutZero;
    @Label("Zero Pages In") public long swpinZero;
    @Label("Swap Cache Hits") public long cacheHits;
    @Label("Pool Rejects") public long poolRejects;
    @Label("Written To File") @Description("Pages the pool refused that went to a swap file") public long swpoutFile;
    @Label("Read From File") public long swpinFile;
    @Label("Written Back") @Description("Pool pages written back to swap files") public long zswpwb;
    @Label("File Slots Used") public long fileSlotsUsed;
    @Label("File Bytes") @DataAmount public long fileBytes;
    @Label("File Block Bytes") @DataAmount public long fileBlockBytes;
    @Label("Whole Extents Out") public long thpSwpout;
    @Label("Whole Extents In") public long thpSwpin;
    @Label("Fault Errors") public long faultErrors;
    @Label("Background Errors") public long backgroundErrors;
    @Label("File Write Errors") public long fileWriteErrors;
    @Label("File Read Errors") public long fileReadErrors;
    @Label("Poisoned Pages") public long poisonedPages;
}
