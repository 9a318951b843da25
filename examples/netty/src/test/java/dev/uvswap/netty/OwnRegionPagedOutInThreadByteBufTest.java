package dev.uvswap.netty;

import dev.uvswap.FaultMode;
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
}
