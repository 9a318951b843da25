package dev.uvswap;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.VSwapImpl;
import dev.uvswap.internal.region.RegionImpl;
import dev.uvswap.internal.slot.SlotDescriptor;
import dev.uvswap.internal.slot.SlotSpace;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A fault whose service fails with an error that cannot pass must fail the access, not retry
 * forever: the thread that touched the page would hang in the kernel, unkillable, and (if it is
 * a JVM thread in Java code) hold up every safepoint after it.
 */
class FaultErrorTest {
    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void aSlotThatNamesNoDataFailsTheAccessInsteadOfHanging() throws Exception {
        try (VSwap vswap = VSwap.builder().faultThreads(2).build();
             Region r = vswap.allocate(4 * 4096, RegionOption.SMALL_PAGES)) {
            MemorySegment seg = r.segment();
            for (long p = 0; p < 4; p++) {
                PageData.RANDOM.fill(seg, p, 5);
            }
            assertEquals(4, r.pageOut(0, r.size()));
            // Page 2's slot loses its backend: what a corrupted descriptor looks like to a server.
            long word = ((RegionImpl) r).pagemap().segment().getAtIndex(ValueLayout.JAVA_LONG, 2);
            long vslot = word >>> uvswap_h.UVS_PM_SHIFT();
            SlotSpace slots = slots(vswap);
            long d = slots.descriptorAcquire(vslot);
            assertTrue(slots.transitions().forTestsOnly(vslot, d, SlotDescriptor.NONE), "descriptor of page 2 replaced");

            CompletableFuture<Throwable> touch = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().daemon().name("toucher").start(() -> {
                try {
                    seg.get(ValueLayout.JAVA_LONG, 2 * 4096);
                    touch.complete(null);
                } catch (Throwable e) {
                    touch.complete(e);
                }
            });
            // Generous: a server retries transient errors for seconds; this one is not transient.
            Throwable failed = touch.get(60, TimeUnit.SECONDS);
            assertInstanceOf(InternalError.class, failed, "the JVM's error for a failed memory access");
            t.join();
            VSwapStats s = vswap.stats();
            assertEquals(1, s.poisonedPages(), s::toString);
            // The other pages were never in doubt.
            for (long p : new long[] {0, 1, 3}) {
                assertEquals(-1, PageData.RANDOM.check(seg, p, 5), "page " + p);
            }
            // Give the slot its backend back, so the close frees it like any other.
            assertTrue(slots.transitions().forTestsOnly(vslot, SlotDescriptor.NONE, d));
        }
    }

    private static SlotSpace slots(VSwap vswap) throws ReflectiveOperationException {
        var f = VSwapImpl.class.getDeclaredField("slots");
        f.setAccessible(true);
        return (SlotSpace) f.get(vswap);
    }
}
