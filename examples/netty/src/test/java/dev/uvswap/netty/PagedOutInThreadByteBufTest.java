package dev.uvswap.netty;

import dev.uvswap.FaultMode;

/** Netty's ByteBuf suite on uvswap buffers paged out after creation and before every read that follows a write; faults served on the faulting thread. */
class PagedOutInThreadByteBufTest extends UvswapByteBufSuite {
    @Override
    FaultMode faultMode() {
        return FaultMode.IN_THREAD;
    }

    @Override
    boolean swapping() {
        return true;
    }
}
