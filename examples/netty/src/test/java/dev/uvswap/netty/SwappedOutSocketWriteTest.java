package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.VSwap;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A large direct buffer, swapped out whole, written through a real loopback socket; the receiver
 * checks every byte. The kernel copies from the swapped-out pages inside write(2): the fault
 * servers serve that (SERVER_THREADS); in IN_THREAD mode the buffer is prefaulted first, as
 * {@link dev.uvswap.Region#prefault} documents, and without it the write fails with EFAULT.
 */
class SwappedOutSocketWriteTest {
    private static final int SIZE = 24 << 20;

    /** Netty end to end: NIO client writes the swapped-out buffer; the server reads into uvswap buffers and checks. */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    @Timeout(120)
    void nettyChannelWritesSwappedOutBuffer(FaultMode mode) throws Exception {
        try (VSwap vswap = VSwap.builder().faultMode(mode).faultThreads(2).build();
             UvswapByteBufAllocator alloc = UvswapByteBufAllocator.builder(vswap).build()) {
            assumeTrue(mode == FaultMode.IN_THREAD || vswap.kernelFaultsHandled(),
                    "this userfaultfd cannot serve faults inside system calls: SERVER_THREADS needs prefault too");
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
            try {
                Checker checker = new Checker();
                Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                        .childOption(ChannelOption.ALLOCATOR, alloc)   // reads land in uvswap buffers too
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline().addLast(checker);
                            }
                        })
                        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                // IN_THREAD: the documented prefault before kernel I/O, done by the handler as each buffer is written.
                Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .option(ChannelOption.ALLOCATOR, alloc)
                        .handler(mode == FaultMode.IN_THREAD ? new PrefaultOnWriteHandler() : new ChannelInboundHandlerAdapter())
                        .connect(server.localAddress()).sync().channel();

                UvswapByteBuf buf = UvswapByteBufTest.unwrap(alloc.directBuffer(SIZE, SIZE));
                Pattern.fill(buf, 0, SIZE);
                buf.writerIndex(SIZE);
                long out = buf.pageOut();
                assertEquals(SIZE / 4096, out, "the whole buffer left memory before the write");
                assertEquals(mode == FaultMode.IN_THREAD, buf.kernelNeedsPresentPages());
                long pswpin0 = vswap.stats().pswpin();
                // A slice of a duplicate: the handler finds the uvswap buffer under any derived one.
                client.writeAndFlush(buf.duplicate().slice(0, SIZE)).sync();
                assertEquals(-1L, checker.done.get(60, TimeUnit.SECONDS), "first wrong byte (-1: none)");
                assertEquals(SIZE, checker.received.get());
                assertTrue(vswap.stats().pswpin() - pswpin0 >= SIZE / 4096, "the pages came back from swap for the write");
                client.close().sync();
                server.close().sync();
            } finally {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            }
            assertEquals(0, alloc.metric().usedDirectMemory(), "every buffer was released");
        }
    }

    /**
     * No pageOut by the test: the allocator's regions are in a memory group whose max is a
     * quarter of the buffers, so its reclaimer swaps most of them out while they are written;
     * then Netty writes them all (SERVER_THREADS) and the receiver checks every byte.
     */
    @Test
    @Timeout(120)
    void groupReclaimerSwapsBuffersOutAndNettyWritesThem() throws Exception {
        try (VSwap vswap = VSwap.builder().faultThreads(2).build()) {
            assumeTrue(vswap.kernelFaultsHandled(), "this userfaultfd cannot serve faults inside system calls");
            var group = vswap.createGroup("netty");
            group.setMemoryMax(SIZE / 4);
            try (UvswapByteBufAllocator alloc = UvswapByteBufAllocator.builder(vswap).group(group).build()) {
                EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
                try {
                    Checker checker = new Checker();
                    Channel server = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                            .childHandler(new ChannelInitializer<SocketChannel>() {
                                @Override
                                protected void initChannel(SocketChannel ch) {
                                    ch.pipeline().addLast(checker);
                                }
                            })
                            .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                    Channel client = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                            .option(ChannelOption.ALLOCATOR, alloc)
                            .handler(new ChannelInboundHandlerAdapter())
                            .connect(server.localAddress()).sync().channel();
                    int part = 4 << 20;
                    List<ByteBuf> parts = new ArrayList<>();
                    for (int at = 0; at < SIZE; at += part) {
                        byte[] bytes = new byte[part];
                        for (int i = 0; i < part; i++) {
                            bytes[i] = Pattern.at(at + i);
                        }
                        parts.add(alloc.directBuffer(part, part).writeBytes(bytes));
                    }
                    long swappedOut = vswap.stats().pswpout();
                    assertTrue(swappedOut > 0, "the group's reclaimer swapped nothing out: " + vswap.stats());
                    assertTrue(group.memoryCurrent() < SIZE, "resident " + group.memoryCurrent() + " of " + SIZE);
                    for (ByteBuf b : parts) {
                        client.write(b);
                    }
                    client.flush();
                    assertEquals(-1L, checker.done.get(60, TimeUnit.SECONDS), "first wrong byte (-1: none)");
                    assertEquals(SIZE, checker.received.get());
                    System.out.printf("[netty group] %d MiB written under memoryMax %d MiB: %d pages swapped out, %d in, max events %s%n",
                            SIZE >> 20, (SIZE / 4) >> 20, swappedOut, vswap.stats().pswpin(), group.events());
                    client.close().sync();
                    server.close().sync();
                } finally {
                    loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
                }
                assertEquals(0, alloc.metric().usedDirectMemory(), "every buffer was released");
            }
        }
    }

    /** IN_THREAD without prefault: write(2) from a swapped-out buffer fails with EFAULT, nothing is sent; with it, every byte arrives. */
    @Test
    @Timeout(120)
    void inThreadWriteNeedsPrefault() throws Exception {
        try (VSwap vswap = VSwap.builder().faultMode(FaultMode.IN_THREAD).faultThreads(2).build();
             UvswapByteBufAllocator alloc = UvswapByteBufAllocator.builder(vswap).build();
             ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             java.nio.channels.SocketChannel sender = java.nio.channels.SocketChannel.open(listener.getLocalAddress());
             java.nio.channels.SocketChannel accepted = listener.accept()) {
            UvswapByteBuf buf = UvswapByteBufTest.unwrap(alloc.directBuffer(SIZE, SIZE));
            Pattern.fill(buf, 0, SIZE);
            buf.writerIndex(SIZE);
            assertEquals(SIZE / 4096, buf.pageOut());

            IOException e = assertThrows(IOException.class, () -> sender.write(buf.nioBuffer()));
            assertEquals("Bad address", e.getMessage(), "EFAULT: the kernel cannot fault the page in");

            Socket receiving = accepted.socket();
            CompletableFuture<long[]> got = CompletableFuture.supplyAsync(() -> receiveAndCheck(receiving, SIZE));
            buf.prefault();
            var nio = buf.nioBuffer();
            while (nio.hasRemaining()) {
                sender.write(nio);
            }
            long[] r = got.get(60, TimeUnit.SECONDS);
            assertEquals(SIZE, r[0], "bytes received: the failed write sent nothing");
            assertEquals(-1, r[1], "first wrong byte (-1: none)");
            buf.release();
        }
    }

    private static long[] receiveAndCheck(Socket s, int size) {
        try (InputStream in = s.getInputStream()) {
            byte[] chunk = new byte[1 << 16];
            long pos = 0;
            long bad = -1;
            while (pos < size) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, size - pos));
                if (n < 0) {
                    break;
                }
                for (int i = 0; i < n && bad < 0; i++) {
                    if (chunk[i] != Pattern.at(pos + i)) {
                        bad = pos + i;
                    }
                }
                pos += n;
            }
            return new long[] {pos, bad};
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** Checks every received byte against the pattern; completes with the first wrong offset, or -1. */
    @io.netty.channel.ChannelHandler.Sharable
    static final class Checker extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                long at = received.get();
                long bad = Pattern.firstMismatch(b, b.readerIndex(), at, b.readableBytes());
                received.addAndGet(b.readableBytes());
                if (bad >= 0) {
                    done.complete(bad);
                } else if (received.get() >= SIZE) {
                    done.complete(-1L);
                }
            } finally {
                b.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
