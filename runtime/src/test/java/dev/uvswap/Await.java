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
}
