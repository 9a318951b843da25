package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.Region;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.internal.CleanableDirectBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A direct {@link ByteBuf} whose memory is in a uvswap region: Netty's own unpooled direct buffer
 * (every accessor, bounds check and reference count is Netty's), with its memory from a
 * {@link UvswapByteBufAllocator}. Its pages can be swapped out ({@link #pageOut()}) and come back
 * on touch. Growing it ({@link #capacity(int)}, {@code ensureWritable}) takes a new block, copies
 * and frees the old one, as Netty's does.
 *
 * <p>Channel methods of this class ({@code getBytes}/{@code readBytes} to a channel,
 * {@code setBytes} from one) hand the memory to the kernel; where the region's faults cannot be
 * served inside system calls ({@link FaultMode#IN_THREAD}, or a user-mode-only userfaultfd) they
 * {@link #prefault} the range first, as {@link Region#prefault} documents. A transport that
 * writes the buffer's {@code nioBuffer()} itself (Netty's NIO and epoll channels do) bypasses
 * them: see {@link UvswapByteBufAllocator} for that rule. Where such a call still fails with
 * EFAULT (a page left again between the prefault and the call), it is prefaulted and retried.
 */
public class UvswapByteBuf extends UnpooledDirectByteBuf {
    private static final ByteBuffer NO_MEMORY = ByteBuffer.allocateDirect(0);
    private static final int KERNEL_IO_ATTEMPTS = 8;

    private final RegionArena arena;
    private RegionBlock block;    // the memory now; null while the capacity is 0 from the start
    private RegionBlock growing;  // taken by capacity(int), not installed yet

    protected UvswapByteBuf(UvswapByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        // Netty's constructor for a wrapped buffer marks it "do not free"; the empty one is never
        // freed, and the first capacity() below takes region memory through allocateDirectBuffer.
        super(alloc, checked(initialCapacity, maxCapacity), maxCapacity);
        this.arena = alloc.arena();
        if (initialCapacity > 0) {
            capacity(initialCapacity);
        }
    }

    private static ByteBuffer checked(int initialCapacity, int maxCapacity) {
        if (initialCapacity < 0 || maxCapacity < 0 || initialCapacity > maxCapacity) {
            throw new IllegalArgumentException(
                    "initialCapacity(" + initialCapacity + ") > maxCapacity(" + maxCapacity + ") or negative");
        }
        return NO_MEMORY;
    }

    @Override
    protected CleanableDirectBuffer allocateDirectBuffer(int capacity) {
        RegionBlock b = arena.allocate(capacity);
        growing = b;
        return b;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        try {
            super.capacity(newCapacity);
            if (growing != null) {
                block = growing;
            }
        } catch (RuntimeException | Error e) {
            if (growing != null) {
                if (isInstalled(growing)) {
                    block = growing;   // installed; freeing the old block is what failed
                } else {
                    growing.clean();   // the copy failed: the new block never replaced the old
                }
            }
            throw e;
        } finally {
            growing = null;
        }
        return this;
    }

    private boolean isInstalled(RegionBlock b) {
        return refCnt() > 0 && hasMemoryAddress() && memoryAddress() == b.memoryAddress();
    }

    @Override
    protected void deallocate() {
        super.deallocate();   // frees the block through RegionBlock.clean()
        block = null;
    }

    /**
     * The uvswap buffer under {@code buf}: itself, or what a leak-detection wrapper, a slice or a
     * duplicate wraps; null if there is none (a heap buffer, a composite, another allocator's).
     */
    public static UvswapByteBuf find(ByteBuf buf) {
        for (ByteBuf b = buf; b != null; b = b.unwrap()) {
            if (b instanceof UvswapByteBuf u) {
                return u;
            }
        }
        return null;
    }

    /**
     * Makes present, where the kernel needs it ({@link #kernelNeedsPresentPages()}), the memory
     * of every uvswap buffer under {@code buf} (each component of a composite): what a transport
     * that hands {@code nioBuffer()}s to write(2) needs in {@link FaultMode#IN_THREAD}. Returns
     * how many pages were swapped back in.
     */
    public static long prefaultForKernel(ByteBuf buf) {
        if (buf instanceof CompositeByteBuf c) {
            long n = 0;
            for (ByteBuf component : c) {
                n += prefaultForKernel(component);
            }
            return n;
        }
        UvswapByteBuf u = find(buf);
        return u != null && u.refCnt() > 0 && u.kernelNeedsPresentPages() ? u.prefault() : 0;
    }

    /** The region the buffer's memory is in now (it changes when the buffer grows); null at capacity 0. */
    public Region region() {
        return block == null ? null : block.region();
    }

    /** Offset of the buffer's first byte in {@link #region()}. */
    public long regionOffset() {
        return block == null ? 0 : block.offset();
    }

    /** Who serves faults on this buffer's memory. */
    public FaultMode faultMode() {
        return block == null ? FaultMode.SERVER_THREADS : block.region().faultMode();
    }

    /**
     * Swaps out the pages under the whole buffer now and returns how many left memory. A page the
     * buffer shares with a neighbour in its slab goes too; it comes back when either touches it.
     */
    public long pageOut() {
        return pageOut(0, capacity());
    }

    /** Swaps out the pages under {@code [index, index + length)}. */
    public long pageOut(int index, int length) {
        ensureAccessible();
        return block == null ? 0 : block.pageOut(index, length);
    }

    /** Makes the pages under the whole buffer present now; returns how many were swapped in. */
    public long prefault() {
        return prefault(0, capacity());
    }

    /** Makes the pages under {@code [index, index + length)} present now. */
    public long prefault(int index, int length) {
        ensureAccessible();
        return block == null ? 0 : block.prefault(index, length);
    }

    /** Whether a system call reading or writing this buffer needs {@link #prefault} first. */
    public boolean kernelNeedsPresentPages() {
        return block != null && block.kernelNeedsPresentPages();
    }

    /**
     * Runs a system call on {@code [index, index + length)} of this buffer. Where the kernel's
     * own faults are not served, the range is prefaulted first; a page can still leave between
     * the prefault and the call (a neighbour in the slab paging its own buffer out, a group's
     * reclaimer), and the call then fails with EFAULT having moved no byte, so it is prefaulted
     * and made again, a few times at most.
     */
    private <T> T kernelIo(int index, int length, KernelCall<T> call) throws IOException {
        RegionBlock b = block;
        if (b == null || length <= 0 || refCnt() == 0 || !b.kernelNeedsPresentPages()) {
            return call.run();
        }
        for (int attempt = 1; ; attempt++) {
            b.prefault(index, length);
            try {
                return call.run();
            } catch (IOException e) {
                if (attempt == KERNEL_IO_ATTEMPTS || !isBadAddress(e)) {
                    throw e;
                }
                arena.countEfaultRetry();
            }
        }
    }

    static boolean isBadAddress(IOException e) {
        return "Bad address".equals(e.getMessage());   // strerror(EFAULT), as the JDK reports it
    }

    @FunctionalInterface
    private interface KernelCall<T> {
        T run() throws IOException;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        return kernelIo(index, length, () -> super.getBytes(index, out, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        return kernelIo(index, length, () -> super.getBytes(index, out, position, length));
    }

    @Override
    public int readBytes(GatheringByteChannel out, int length) throws IOException {
        return kernelIo(readerIndex(), length, () -> super.readBytes(out, length));
    }

    @Override
    public int readBytes(FileChannel out, long position, int length) throws IOException {
        return kernelIo(readerIndex(), length, () -> super.readBytes(out, position, length));
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        return kernelIo(index, length, () -> super.setBytes(index, in, length));
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        return kernelIo(index, length, () -> super.setBytes(index, in, position, length));
    }
}
