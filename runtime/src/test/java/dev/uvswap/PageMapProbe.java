package dev.uvswap;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.region.RegionImpl;

import java.lang.foreign.ValueLayout;

/** Tests: what a region's page map says about its pages, without touching them. */
final class PageMapProbe {
    private PageMapProbe() {
    }

    /** Whether the page is swapped out: its page-map word names a slot (a server's brief claim of a resident page names none). */
    static boolean out(Region r, long page) {
        long w = ((RegionImpl) r).pagemap().segment().getAtIndex(ValueLayout.JAVA_LONG, page);
        return (w >>> uvswap_h.UVS_PM_SHIFT()) != 0;
    }

    /** How many of {@code [firstPage, firstPage + pages)} are swapped out. */
    static long outIn(Region r, long firstPage, long pages) {
        long n = 0;
        for (long p = firstPage; p < firstPage + pages; p++) {
            n += out(r, p) ? 1 : 0;
        }
        return n;
    }
}
