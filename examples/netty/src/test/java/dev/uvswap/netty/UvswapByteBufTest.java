package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.VSwap;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocator's own behaviour: slabs, own regions, growth, swapping out and back, in both fault modes. */
class UvswapByteBufTest {
    private static final Map<FaultMode, VSwap> VSWAPS = new EnumMap<>(FaultMode.class);

    @BeforeAll
    static void open() {
        for (FaultMode m : FaultMode.values()) {
            VSWAPS.put(m, VSwap.builder().faultMode(m).faultThreads(2).build());
        }
    }

    @AfterAll
    static void close() {
        VSWAPS.values().forEach(VSwap::close);
    }

    private static UvswapByteBufAllocator allocator(FaultMode mode) {
        return UvswapByteBufAllocator.builder(VSWAPS.get(mode)).build();
    }

    @Test
    void smallBuffersShareOneSlabAndAnEmptiedSlabIsKeptOnce() {
        try (UvswapByteBufAllocator alloc = allocator(FaultMode.SERVER_THREADS)) {
            List<ByteBuf> bufs = new ArrayList<>();
            for (int i = 0; i < 8192; i++) {              // exactly one 2 MiB slab of 256-byte slots
                bufs.add(alloc.directBuffer(200, 256));
            }
            assertEquals(1, alloc.regionCount());
            assertEquals(8192L * 256, alloc.metric().usedDirectMemory());
            ByteBuf extra = alloc.directBuffer(256);
            assertEquals(2, alloc.regionCount());
            bufs.forEach(ByteBuf::release);
            extra.release();
            assertEquals(1, alloc.regionCount(), "two empty slabs: one is closed, one kept");
            assertEquals(0, alloc.metric().usedDirectMemory());
        }
    }

    @Test
    void largeBufferHasItsOwnRegionClosedOnRelease() {
        try (UvswapByteBufAllocator alloc = allocator(FaultMode.SERVER_THREADS)) {
            UvswapByteBuf buf = unwrap(alloc.directBuffer(3 << 20));
            assertEquals(1, alloc.regionCount());
            assertEquals(4L << 20, buf.region().size());
            assertEquals(0, buf.regionOffset());
            buf.release();
            assertEquals(0, alloc.regionCount());
        }
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void growthFromSlabToOwnRegionKeepsEveryByteThroughSwap(FaultMode mode) {
        try (UvswapByteBufAllocator alloc = allocator(mode)) {
            UvswapByteBuf buf = unwrap(alloc.directBuffer(1000));
            assertEquals(mode, buf.faultMode());
            int written = 0;
            var before = buf.region();
            while (written < (6 << 20)) {                 // 1000 B slab slot .. 8 MiB own region
                int n = 400_000;
                buf.ensureWritable(n);
                Pattern.fill(buf, written, n);
                buf.writerIndex(written + n);
                written += n;
                buf.pageOut();
                assertEquals(-1, Pattern.firstMismatch(buf, 0, 0, written), "after swap at " + written);
            }
            assertNotSame(before, buf.region());
            assertTrue(buf.capacity() >= written);
            assertTrue(buf.region().size() >= buf.capacity());
            buf.release();
            assertEquals(0, alloc.metric().usedDirectMemory());
        }
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void pagedOutBufferComesBackOnTouch(FaultMode mode) {
        VSwap vswap = VSWAPS.get(mode);
        try (UvswapByteBufAllocator alloc = allocator(mode)) {
            UvswapByteBuf buf = unwrap(alloc.directBuffer(1 << 20));
            Pattern.fill(buf, 0, buf.capacity());
            long residentBefore = buf.region().residentBytes();
            long in0 = vswap.stats().pswpin();
            long out = buf.pageOut();
            assertEquals(256, out, "every page of the 1 MiB buffer leaves");
            assertEquals(residentBefore - (1 << 20), buf.region().residentBytes());
            assertEquals(-1, Pattern.firstMismatch(buf, 0, 0, buf.capacity()));
            assertTrue(vswap.stats().pswpin() - in0 >= 256, "the reads swapped the pages back in");
            buf.release();
        }
    }

    /**
     * File I/O into and out of swapped-out buffers through the buffer's channel methods, which
     * prefault where the kernel's faults are not served (IN_THREAD).
     */
    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void fileChannelIoOnSwappedOutBuffers(FaultMode mode) throws IOException {
        Path file = Files.createTempFile("uvswap-netty", ".bin");
        try (UvswapByteBufAllocator alloc = allocator(mode);
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int size = 3 << 20;
            UvswapByteBuf src = unwrap(alloc.directBuffer(size));
            Pattern.fill(src, 0, size);
            src.writerIndex(size);
            assertTrue(src.pageOut() > 0);
            assertEquals(size, src.getBytes(0, ch, 0, size));
            UvswapByteBuf dst = unwrap(alloc.directBuffer(size));
            Pattern.fill(dst, 0, size);               // make the pages resident with other bytes ...
            for (int i = 0; i < size; i++) {
                dst.setByte(i, ~dst.getByte(i));
            }
            assertTrue(dst.pageOut() > 0);             // ... and swap them out: the read lands on swapped-out pages
            int read = 0;
            while (read < size) {
                read += dst.setBytes(read, ch, read, size - read);
            }
            assertEquals(-1, Pattern.firstMismatch(dst, 0, 0, size));
            src.release();
            dst.release();
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void prefaultForKernelFindsUvswapBuffersUnderWrappersAndComposites() {
        try (UvswapByteBufAllocator inThread = allocator(FaultMode.IN_THREAD);
             UvswapByteBufAllocator servers = allocator(FaultMode.SERVER_THREADS)) {
            ByteBuf a = inThread.directBuffer(64 << 10);
            ByteBuf b = inThread.directBuffer(3 << 20);
            ByteBuf c = servers.directBuffer(64 << 10);
            for (ByteBuf x : List.of(a, b, c)) {
                Pattern.fill(x, 0, x.capacity());
                x.writerIndex(x.capacity());
                assertTrue(unwrap(x).pageOut() > 0);
            }
            ByteBuf slice = b.retainedSlice(100, 200);
            assertSame(unwrap(b), UvswapByteBuf.find(slice));
            slice.release();
            var composite = inThread.compositeDirectBuffer().addComponents(true, a, b.duplicate(), c, inThread.heapBuffer(10).writeZero(10));
            long pages = UvswapByteBuf.prefaultForKernel(composite);
            assertEquals((64 << 10) / 4096 + (3 << 20) / 4096, pages, "the IN_THREAD buffers' pages; not the server-mode one's");
            assertEquals(0, UvswapByteBuf.prefaultForKernel(composite), "present now");
            assertEquals(-1, Pattern.firstMismatch(composite, 0, 0, 64 << 10));
            assertEquals(-1, Pattern.firstMismatch(composite, 64 << 10, 0, 3 << 20));
            assertEquals(-1, Pattern.firstMismatch(composite, (64 << 10) + (3 << 20), 0, 64 << 10));
            composite.release();
            assertEquals(0, inThread.metric().usedDirectMemory() + servers.metric().usedDirectMemory());
        }
    }

    /**
     * IN_THREAD: a page that leaves between the channel method's prefault and its system call (as
     * a reclaimer or a slab neighbour could make it) gives EFAULT with no byte moved; the call is
     * prefaulted and made again. A channel that pages out before every call exhausts the retries
     * and the EFAULT reaches the caller.
     */
    @Test
    void channelReadRetriedAfterAPageLeftBetweenPrefaultAndSystemCall() throws IOException {
        Path file = Files.createTempFile("uvswap-netty", ".bin");
        try (UvswapByteBufAllocator alloc = allocator(FaultMode.IN_THREAD);
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int size = 64 << 10;
            ByteBuf src = alloc.heapBuffer(size);
            Pattern.fill(src, 0, size);
            assertEquals(size, ch.write(src.nioBuffer(0, size), 0));
            src.release();
            UvswapByteBuf dst = unwrap(alloc.directBuffer(size));
            dst.setZero(0, size);                      // resident, so that pageOut has something to take

            long before = alloc.efaultRetries();
            int[] pageOutsLeft = {1};
            int read = dst.setBytes(0, reclaimingBeforeRead(ch, dst, pageOutsLeft), size);
            assertEquals(size, read);
            assertEquals(0, pageOutsLeft[0], "the channel paged the buffer out after the prefault");
            assertEquals(1, alloc.efaultRetries() - before, "one EFAULT, one retry");
            assertEquals(-1, Pattern.firstMismatch(dst, 0, 0, size));

            pageOutsLeft[0] = Integer.MAX_VALUE;
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> dst.setBytes(0, reclaimingBeforeRead(ch, dst, pageOutsLeft), size));
            assertEquals("Bad address", e.getMessage());
            assertEquals(Integer.MAX_VALUE - 8, pageOutsLeft[0], "8 attempts, then the error");
            dst.release();
        } finally {
            Files.delete(file);
        }
    }

    /** A channel over {@code ch} from position 0 that pages {@code buf} out before each read while {@code left[0] > 0}. */
    private static java.nio.channels.ScatteringByteChannel reclaimingBeforeRead(FileChannel ch, UvswapByteBuf buf, int[] left) {
        return new java.nio.channels.ScatteringByteChannel() {
            @Override
            public int read(java.nio.ByteBuffer dst) throws IOException {
                if (left[0] > 0) {
                    left[0]--;
                    assertTrue(buf.pageOut() > 0);
                }
                return ch.read(dst, 0);
            }

            @Override
            public long read(java.nio.ByteBuffer[] dsts, int offset, int length) {
                throw new UnsupportedOperationException();
            }

            @Override
            public long read(java.nio.ByteBuffer[] dsts) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean isOpen() {
                return ch.isOpen();
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void zeroCapacityBufferGrows() {
        try (UvswapByteBufAllocator alloc = allocator(FaultMode.SERVER_THREADS)) {
            UvswapByteBuf buf = unwrap(alloc.directBuffer(0));
            assertNull(buf.region());
            assertEquals(0, buf.pageOut());
            buf.writeLong(0x0102030405060708L);
            assertEquals(0x0102030405060708L, buf.getLong(0));
            assertTrue(buf.region() != null);
            buf.release();
            assertEquals(0, alloc.metric().usedDirectMemory());
        }
    }

    @Test
    void heapBuffersStayOnTheHeap() {
        try (UvswapByteBufAllocator alloc = allocator(FaultMode.SERVER_THREADS)) {
            ByteBuf heap = alloc.heapBuffer(100);
            assertTrue(heap.hasArray());
            assertEquals(100, alloc.metric().usedHeapMemory());
            assertSame(alloc, heap.alloc());
            heap.release();
            assertEquals(0, alloc.regionCount());
        }
    }

    static UvswapByteBuf unwrap(ByteBuf b) {
        return b instanceof UvswapByteBuf u ? u : (UvswapByteBuf) b.unwrap();
    }
}
