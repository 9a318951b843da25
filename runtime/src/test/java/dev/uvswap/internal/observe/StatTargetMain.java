package dev.uvswap.internal.observe;

import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;

import java.lang.foreign.ValueLayout;

/** A JVM for {@link UvsStatTest} to attach to: one VSwap with a group, pages swapped out and back; runs until stdin closes. */
public final class StatTargetMain {
    public static void main(String[] args) throws Exception {
        try (VSwap v = VSwap.builder().name("stat-target").faultThreads(1).build()) {
            MemoryGroup g = v.createGroup("cache");
            g.setMemoryMax(64L << 20);
            Region r = v.allocate(4L << 20, g, RegionOption.SMALL_PAGES);
            long pages = r.size() / 4096;
            for (long p = 0; p < pages; p++) {
                r.segment().set(ValueLayout.JAVA_LONG, p * 4096, p * 31 + 7);
            }
            r.pageOut(0, r.size());
            for (long p = 0; p < pages; p++) {
                if (r.segment().get(ValueLayout.JAVA_LONG, p * 4096) != p * 31 + 7) {
                    throw new AssertionError("page " + p);
                }
            }
            Observed.awaitPublished();
            System.out.println("ready " + ProcessHandle.current().pid() + " pswpout=" + v.stats().pswpout());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our stdin
            }
        }
    }
}
