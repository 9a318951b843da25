package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.UnpooledHeapByteBuf;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Netty {@link io.netty.buffer.ByteBufAllocator} whose direct buffers ({@link UvswapByteBuf})
 * live in uvswap regions, so that their cold pages can be swapped out (by
 * {@link UvswapByteBuf#pageOut()}, or by a {@link MemoryGroup}'s reclaimer) and come back on
 * touch. Heap buffers are Netty's ordinary unpooled heap buffers.
 *
 * <p>Memory: a direct buffer of up to {@code maxSlotBytes} (default 1 MiB) takes a power-of-two
 * slot in a 2 MiB small-page slab region of its size class; a larger one gets a region of its own,
 * closed when it is released. So a small buffer costs its slot, not a region.
 *
 * <p>Kernel I/O rule: a socket or file write from a buffer, or a read into one, is a system call
 * touching region memory. With {@link FaultMode#SERVER_THREADS} (the default where the
 * userfaultfd can serve kernel-mode faults) it just works, swapped-out pages included. With
 * {@link FaultMode#IN_THREAD} the kernel gets EFAULT ("Bad address") on a page that is not
 * present, so {@link UvswapByteBuf#prefault()} before the transport writes it (Netty's channel
 * reads go through {@link UvswapByteBuf#setBytes(int, java.nio.channels.ScatteringByteChannel, int)},
 * which prefaults by itself). Between a prefault and the system call a reclaimer may take the
 * pages again, so buffers that a group reclaims and the kernel reads belong on the servers
 * ({@link RegionOption#FAULTS_ON_SERVERS}).
 *
 * {@snippet :
 * VSwap vswap = VSwap.builder().build();
 * UvswapByteBufAllocator alloc = UvswapByteBufAllocator.builder(vswap).build();
 * bootstrap.option(ChannelOption.ALLOCATOR, alloc).childOption(ChannelOption.ALLOCATOR, alloc);
 * }
 */
public class UvswapByteBufAllocator extends AbstractByteBufAllocator
        implements ByteBufAllocatorMetricProvider, AutoCloseable {

    private final RegionArena arena;
    private final LongAdder heapBytes = new LongAdder();
    private final ByteBufAllocatorMetric metric = new ByteBufAllocatorMetric() {
        @Override
        public long usedHeapMemory() {
            return heapBytes.sum();
        }

        @Override
        public long usedDirectMemory() {
            return arena.heldBytes();
        }

        @Override
        public String toString() {
            return "UvswapByteBufAllocatorMetric(usedHeapMemory: " + usedHeapMemory()
                    + "; usedDirectMemory: " + usedDirectMemory() + "; regions: " + arena.regionCount() + ')';
        }
    };

    protected UvswapByteBufAllocator(Builder b) {
        super(b.preferDirect);
        this.arena = new RegionArena(b.vswap, b.group, b.options, b.maxSlotBytes);
    }

    public static Builder builder(VSwap vswap) {
        return new Builder(vswap);
    }

    RegionArena arena() {
        return arena;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return toLeakAwareBuffer(newUvswapBuffer(initialCapacity, maxCapacity));
    }

    /** Makes the direct buffer; a subclass may return a subclass of {@link UvswapByteBuf}. */
    protected UvswapByteBuf newUvswapBuffer(int initialCapacity, int maxCapacity) {
        return new UvswapByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new CountedHeapByteBuf(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    @Override
    public ByteBufAllocatorMetric metric() {
        return metric;
    }

    /** Regions open now: slabs (at most one empty one per size class is kept) and large buffers' own. */
    public int regionCount() {
        return arena.regionCount();
    }

    /**
     * System calls on this allocator's buffers (their channel methods) that failed with EFAULT
     * after a prefault, because a page left again before the call, and were made again.
     */
    public long efaultRetries() {
        return arena.efaultRetries();
    }

    /**
     * Closes every region this allocator made. Release the buffers first: one still live fails
     * on its next access with an IllegalStateException (its region is closed).
     */
    @Override
    public void close() {
        arena.close();
    }

    private final class CountedHeapByteBuf extends UnpooledHeapByteBuf {
        CountedHeapByteBuf(int initialCapacity, int maxCapacity) {
            super(UvswapByteBufAllocator.this, initialCapacity, maxCapacity);
        }

        @Override
        protected byte[] allocateArray(int initialCapacity) {
            byte[] a = super.allocateArray(initialCapacity);
            heapBytes.add(a.length);
            return a;
        }

        @Override
        protected void freeArray(byte[] array) {
            heapBytes.add(-array.length);
            super.freeArray(array);
        }
    }

    /** Settings; every one has a default. */
    public static final class Builder {
        private final VSwap vswap;
        private boolean preferDirect = true;
        private MemoryGroup group;
        private RegionOption[] options = {};
        private int maxSlotBytes = RegionArena.MAX_SLOT;

        private Builder(VSwap vswap) {
            this.vswap = Objects.requireNonNull(vswap, "vswap");
        }

        /** Whether {@code buffer()} gives direct buffers (default true). */
        public Builder preferDirect(boolean preferDirect) {
            this.preferDirect = preferDirect;
            return this;
        }

        /** Allocates the regions in this memory group, whose reclaimer then swaps buffers out. */
        public Builder group(MemoryGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * Options for every region (e.g. {@link RegionOption#FAULTS_ON_SERVERS}); slabs add
         * {@link RegionOption#SMALL_PAGES} themselves.
         */
        public Builder regionOptions(RegionOption... options) {
            this.options = options.clone();
            return this;
        }

        /**
         * Largest buffer served from a slab: a power of two from 64 bytes to 1 MiB (default); 0
         * gives every buffer a region of its own.
         */
        public Builder maxSlotBytes(int bytes) {
            if (bytes != 0 && (Integer.bitCount(bytes) != 1 || bytes < RegionArena.MIN_SLOT || bytes > RegionArena.MAX_SLOT)) {
                throw new IllegalArgumentException("maxSlotBytes " + bytes + ": 0, or a power of two in 64..1 MiB");
            }
            this.maxSlotBytes = bytes;
            return this;
        }

        public UvswapByteBufAllocator build() {
            return new UvswapByteBufAllocator(this);
        }
    }
}
