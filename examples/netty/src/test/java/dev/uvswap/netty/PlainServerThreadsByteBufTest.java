package dev.uvswap.netty;

import dev.uvswap.FaultMode;

/** Netty's ByteBuf suite on uvswap buffers, faults served by the fault-server threads, nothing swapped out by the test. */
class PlainServerThreadsByteBufTest extends UvswapByteBufSuite {
    @Override
    FaultMode faultMode() {
        return FaultMode.SERVER_THREADS;
    }

    @Override
    boolean swapping() {
        return false;
    }
}
