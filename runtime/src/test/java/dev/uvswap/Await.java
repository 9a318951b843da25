package dev.uvswap;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Waiting, in tests, for what a background thread (writeback, the group reclaimer) does. */
final class Await {
    private Await() {
    }

    /** Polls until {@code done}, failing after 10 s with {@code what} (evaluated then). */
    static void until(BooleanSupplier done, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, () -> "timed out waiting until " + what.get());
            Thread.sleep(2);
        }
    }

    static void until(BooleanSupplier done, String what) throws InterruptedException {
        until(done, () -> what);
    }

    /**
     * Waits until writeback has stopped: the pool under {@code poolLimit}, every allocated run
     * published (pages written back, less those read back, are the file's pages), and no page
     * written back for 200 ms (the writer goes on to 90% of the limit, so the pool under its
     * limit does not mean the writer is done).
     */
    static void writebackSettled(VSwap vswap, long poolLimit) throws InterruptedException {
        until(() -> vswap.stats().poolTotalBytes() <= poolLimit, () -> "writeback brought the pool under its limit: "
                + vswap.stats());
        long[] last = {-1};
        until(() -> {
            VSwapStats s = vswap.stats();
            boolean still = s.zswpwb() == last[0] && s.zswpwb() - s.swpinFile() == s.fileSlotsUsed();
            last[0] = s.zswpwb();
            if (!still) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return still;
        }, () -> "writeback settled: " + vswap.stats());
    }
}
