/** A Netty ByteBufAllocator whose direct buffers live in uvswap regions. */
module dev.uvswap.netty {
    requires transitive dev.uvswap;
    requires transitive io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;

    exports dev.uvswap.netty;
}
