package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Netty's ByteBuf suite on uvswap buffers, faults served on the faulting thread, nothing swapped out by the test. */
@EnabledIfSystemProperty(named = "uvswap.netty.full", matches = "true",
        disabledReason = "part of the full variant matrix: run with -Duvswap.netty.full=true")
class PlainInThreadByteBufTest extends UvswapByteBufSuite {
    @Override
    FaultMode faultMode() {
        return FaultMode.IN_THREAD;
    }

    @Override
    boolean swapping() {
        return false;
    }

}
