package dev.uvswap.bench;

import dev.uvswap.Compressor;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;

/** How the pages a benchmark touches are backed, and how to get a region into that state. */
enum Backing {
    FIRST_TOUCH, ZERO, ZSWAP_ZSTD, ZSWAP_LZ4, CACHE;

    Compressor compressor() {
        return this == ZSWAP_LZ4 ? Compressor.LZ4 : Compressor.ZSTD;
    }

    /** Returns a region (this one, or a fresh one for FIRST_TOUCH) whose every page is not present and backed this way. */
    Region prepare(VSwap vswap, Region region, RegionOption... options) {
        switch (this) {
            case FIRST_TOUCH -> {
                long size = region.size();
                region.close();
                return vswap.allocate(size, options);
            }
            case ZERO -> {
                region.prefault(0, region.size());
                region.pageOut(0, region.size());
            }
            case ZSWAP_ZSTD, ZSWAP_LZ4 -> {
                HeapLikeData.fill(region.segment(), region.size() / HeapLikeData.PAGE);
                region.pageOut(0, region.size());
            }
            case CACHE -> {
                HeapLikeData.fill(region.segment(), region.size() / HeapLikeData.PAGE);
                region.park(0, region.size());
            }
        }
        return region;
    }
}
