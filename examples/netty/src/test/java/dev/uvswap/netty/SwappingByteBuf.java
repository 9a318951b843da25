package dev.uvswap.netty;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link UvswapByteBuf} that swaps its pages out right after it is made and again at every
 * read that follows a write, so every read of Netty's suite that comes after a write reads pages
 * brought back from swap. Derived buffers (slices, duplicates) read through these methods too.
 */
final class SwappingByteBuf extends UvswapByteBuf {
    static final LongAdder PAGE_OUTS = new LongAdder();
    static final LongAdder PAGES_OUT = new LongAdder();

    private boolean written;
    private int inKernelCall;   // > 0 while a channel method runs: the NIO view it takes is not a read of ours

    SwappingByteBuf(UvswapByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        super(alloc, initialCapacity, maxCapacity);
        swapOut();
    }

    private void swapOut() {
        if (refCnt() > 0 && capacity() > 0) {
            PAGE_OUTS.increment();
            PAGES_OUT.add(pageOut());
        }
    }

    private void beforeRead() {
        if (written) {
            written = false;
            swapOut();
        }
    }

    private void afterWrite() {
        written = true;
    }

    private <T> T kernelCall(KernelCall<T> call) throws IOException {
        inKernelCall++;
        try {
            return call.run();
        } finally {
            inKernelCall--;
        }
    }

    @FunctionalInterface
    private interface KernelCall<T> {
        T run() throws IOException;
    }

    @Override protected byte _getByte(int i) { beforeRead(); return super._getByte(i); }
    @Override protected short _getShort(int i) { beforeRead(); return super._getShort(i); }
    @Override protected short _getShortLE(int i) { beforeRead(); return super._getShortLE(i); }
    @Override protected int _getUnsignedMedium(int i) { beforeRead(); return super._getUnsignedMedium(i); }
    @Override protected int _getUnsignedMediumLE(int i) { beforeRead(); return super._getUnsignedMediumLE(i); }
    @Override protected int _getInt(int i) { beforeRead(); return super._getInt(i); }
    @Override protected int _getIntLE(int i) { beforeRead(); return super._getIntLE(i); }
    @Override protected long _getLong(int i) { beforeRead(); return super._getLong(i); }
    @Override protected long _getLongLE(int i) { beforeRead(); return super._getLongLE(i); }

    @Override protected void _setByte(int i, int v) { super._setByte(i, v); afterWrite(); }
    @Override protected void _setShort(int i, int v) { super._setShort(i, v); afterWrite(); }
    @Override protected void _setShortLE(int i, int v) { super._setShortLE(i, v); afterWrite(); }
    @Override protected void _setMedium(int i, int v) { super._setMedium(i, v); afterWrite(); }
    @Override protected void _setMediumLE(int i, int v) { super._setMediumLE(i, v); afterWrite(); }
    @Override protected void _setInt(int i, int v) { super._setInt(i, v); afterWrite(); }
    @Override protected void _setIntLE(int i, int v) { super._setIntLE(i, v); afterWrite(); }
    @Override protected void _setLong(int i, long v) { super._setLong(i, v); afterWrite(); }
    @Override protected void _setLongLE(int i, long v) { super._setLongLE(i, v); afterWrite(); }

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        beforeRead();
        return super.getBytes(index, dst, dstIndex, length);
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        beforeRead();
        return super.getBytes(index, dst, dstIndex, length);
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        beforeRead();
        return super.getBytes(index, dst);
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        beforeRead();
        return kernelCall(() -> super.getBytes(index, out, length));
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        beforeRead();
        return kernelCall(() -> super.getBytes(index, out, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        beforeRead();
        return kernelCall(() -> super.getBytes(index, out, position, length));
    }

    @Override
    public ByteBuf readBytes(byte[] dst, int dstIndex, int length) {
        beforeRead();
        return super.readBytes(dst, dstIndex, length);
    }

    @Override
    public ByteBuf readBytes(ByteBuffer dst) {
        beforeRead();
        return super.readBytes(dst);
    }

    @Override
    public ByteBuf readBytes(OutputStream out, int length) throws IOException {
        beforeRead();
        return kernelCall(() -> super.readBytes(out, length));
    }

    @Override
    public int readBytes(GatheringByteChannel out, int length) throws IOException {
        beforeRead();
        return kernelCall(() -> super.readBytes(out, length));
    }

    @Override
    public int readBytes(FileChannel out, long position, int length) throws IOException {
        beforeRead();
        return kernelCall(() -> super.readBytes(out, position, length));
    }

    @Override
    public ByteBuf copy(int index, int length) {
        beforeRead();
        return super.copy(index, length);
    }

    // The NIO views may be read or written by the caller: page out now, and count a write so
    // that the next read through this buffer pages out again.
    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        if (inKernelCall > 0) {
            return super.nioBuffer(index, length);
        }
        beforeRead();
        ByteBuffer b = super.nioBuffer(index, length);
        afterWrite();
        return b;
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        if (inKernelCall > 0) {
            return super.internalNioBuffer(index, length);
        }
        beforeRead();
        ByteBuffer b = super.internalNioBuffer(index, length);
        afterWrite();
        return b;
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        if (inKernelCall > 0) {
            return super.nioBuffers(index, length);
        }
        beforeRead();
        ByteBuffer[] b = super.nioBuffers(index, length);
        afterWrite();
        return b;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        super.setBytes(index, src, srcIndex, length);
        afterWrite();
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        super.setBytes(index, src, srcIndex, length);
        afterWrite();
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        super.setBytes(index, src);
        afterWrite();
        return this;
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        int n = super.setBytes(index, in, length);
        afterWrite();
        return n;
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        beforeRead();   // the kernel writes into pages that were swapped out
        int n = kernelCall(() -> super.setBytes(index, in, length));
        afterWrite();
        return n;
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        beforeRead();   // the kernel writes into pages that were swapped out
        int n = kernelCall(() -> super.setBytes(index, in, position, length));
        afterWrite();
        return n;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        super.capacity(newCapacity);
        afterWrite();
        return this;
    }
}
