package dev.uvswap;

/**
 * Child-JVM body of {@link UnprivilegedProcessTest}, run as an unprivileged user: builds a
 * VSwap with default settings and checks that it fell back to a user-mode-only userfaultfd and
 * still swaps pages out and back, through the pool and through a temporary swap file (in the
 * directory given as the first argument), then through a group at its max, where the faults
 * reclaim for themselves (in-thread, as user-mode-only faults are). Prints the mode; exits 0 when
 * every byte came back.
 */
public final class UnprivilegedMain {
    public static void main(String[] args) {
        VSwap.Builder b = VSwap.builder().faultThreads(1);
        if (args.length > 0) {
            b.poolMaxBytes(64 << 10).temporarySwapFile(java.nio.file.Path.of(args[0]), 16L << 20);
        }
        try (VSwap vswap = b.build(); Region r = vswap.allocate(1 << 21)) {
            System.out.println("kernelFaultsHandled=" + vswap.kernelFaultsHandled());
            for (long p = 0; p < 512; p++) {
                PageData.mixed(p, 4).fill(r.segment(), p, 4);
            }
            long out = r.pageOut(0, r.size());
            for (long p = 0; p < 512; p++) {
                if (PageData.mixed(p, 4).check(r.segment(), p, 4) != -1) {
                    System.out.println("page " + p + " differs");
                    System.exit(1);
                }
            }
            System.out.println("swapped out and back: " + out + ", through the file: " + vswap.stats().swpinFile());
        }
        try (VSwap vswap = VSwap.builder().faultThreads(1).build()) {   // a pool with room for direct reclaim
            atMax(vswap);
        }
    }

    /**
     * A group at its max with a user-mode-only userfaultfd (so faults are served in-thread):
     * the faults reclaim for themselves, and every page comes back.
     */
    private static void atMax(VSwap vswap) {
        MemoryGroup g = vswap.createGroup("at-max");
        g.setMemoryMax(4 << 20);
        try (Region r = vswap.allocate(32 << 20, g, RegionOption.SMALL_PAGES)) {
            long pages = r.size() / 4096;
            for (long p = 0; p < pages; p++) {
                PageData.mixed(p, 6).fill(r.segment(), p, 6);
            }
            for (long p = 0; p < pages; p++) {
                if (PageData.mixed(p, 6).check(r.segment(), p, 6) != -1) {
                    System.out.println("at max: page " + p + " differs");
                    System.exit(1);
                }
            }
            long direct = g.events().directReclaimedBytes();
            System.out.println("at max: every page back, direct reclaim " + (direct >> 20) + " MiB");
            if (direct == 0) {
                System.out.println("at max: the faults did not reclaim");
                System.exit(1);
            }
        }
    }
}
