package dev.uvswap.netty;

import dev.uvswap.FaultMode;

/** Netty's ByteBuf suite on uvswap buffers paged out after creation and before every read that follows a write; fault-server threads. */
class PagedOutServerThreadsByteBufTest extends UvswapByteBufSuite {
    @Override
    FaultMode faultMode() {
        return FaultMode.SERVER_THREADS;
    }

    @Override
    boolean swapping() {
        return true;
    }
}
