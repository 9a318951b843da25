package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * For channels that write {@link UvswapByteBuf}s from {@link FaultMode#IN_THREAD} regions:
 * prefaults each outgoing buffer as it is written, so that the transport's write(2) from its
 * memory does not fail with EFAULT. Put it first in the pipeline (nearest the transport), so it
 * sees buffers as they are, after every encoder. A page can still leave between the write and
 * the flush if a memory group's reclaimer takes it; buffers that a group reclaims and the kernel
 * reads belong in {@link FaultMode#SERVER_THREADS} regions, which need no handler. Stateless:
 * one instance can serve every channel.
 */
@ChannelHandler.Sharable
public final class PrefaultOnWriteHandler extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            UvswapByteBuf.prefaultForKernel(b);
        } else if (msg instanceof ByteBufHolder h) {
            UvswapByteBuf.prefaultForKernel(h.content());
        }
        ctx.write(msg, promise);
    }
}
