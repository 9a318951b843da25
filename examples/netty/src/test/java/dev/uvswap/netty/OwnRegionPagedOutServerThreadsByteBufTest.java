package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** The paged-out suite with every buffer in a region of its own (2 MiB huge pages), fault-server threads. */
@EnabledIfSystemProperty(named = "uvswap.netty.full", matches = "true",
        disabledReason = "part of the full variant matrix: run with -Duvswap.netty.full=true")
class OwnRegionPagedOutServerThreadsByteBufTest extends UvswapByteBufSuite {
    @Override
    FaultMode faultMode() {
        return FaultMode.SERVER_THREADS;
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
