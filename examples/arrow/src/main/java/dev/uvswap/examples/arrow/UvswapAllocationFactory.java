package dev.uvswap.examples.arrow;

import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.ReferenceManager;
import org.apache.arrow.memory.util.MemoryUtil;

/**
 * Arrow's {@link AllocationManager.Factory} over uvswap: give it to an allocator with
 * {@code RootAllocator.configBuilder().allocationManagerFactory(factory)}; every buffer of that
 * allocator (and its children) is then uvswap memory of the given group.
 *
 * <p>A region is 2 MiB at least, and Arrow allocates many small buffers (validity bitmaps,
 * offsets, a vector's first few hundred values). So buffers up to {@link #MAX_SLOT_BYTES} take a
 * slot of a shared 2 MiB slab of their power-of-two size class ({@link #MIN_SLOT_BYTES} up), and
 * larger ones a region of their own (rounded to 2 MiB; Arrow's default rounding policy already
 * asks for powers of two there). Slabs use 4 KiB pages ({@link RegionOption#SMALL_PAGES}): small
 * buffers are scattered, and a fault on one should not bring 2 MiB of its neighbours back.
 * Large regions use the options given (huge pages by default: vector data is read in sequence).
 *
 * <p>Freed memory is not zeroed (Arrow does not expect it to be, as with its Netty and Unsafe
 * managers): a dedicated region is closed, a slab slot is reused as it is.
 */
public final class UvswapAllocationFactory implements AllocationManager.Factory, AutoCloseable {

    public static final long SLAB_BYTES = 2L << 20;
    public static final long MIN_SLOT_BYTES = 64;
    /** Half a slab: a larger buffer would waste more in a slab than in a region of its own. */
    public static final long MAX_SLOT_BYTES = SLAB_BYTES / 2;

    /**
     * Arrow's empty buffer: never read or written, it only needs an address that is not 0. Made on
     * first use (by an allocator's constructor), not with the factory: creating an ArrowBuf
     * initialises Arrow's BaseAllocator, which resolves Arrow's default factory, and this factory
     * may be about to become that default.
     */
    private static final class Empty {
        static final ArrowBuf BUF;

        static {
            long address = Arena.global().allocate(8, 8).address();
            // Arrow reads and writes all memory through MemoryUtil; when it cannot (java.nio not
            // opened to it) this fails here, in the allocator's constructor, with Arrow's own
            // message, as Arrow's Netty and Unsafe managers do, rather than at the first vector write.
            MemoryUtil.getByte(address);
            BUF = new ArrowBuf(ReferenceManager.NO_OP, null, 0, address);
        }
    }

    private final VSwap vswap;
    private final MemoryGroup group;
    private final RegionOption[] regionOptions;
    private final SizeClass[] sizeClasses;
    private final Set<Region> dedicated = ConcurrentHashMap.newKeySet();
    private final AtomicLong slotAllocations = new AtomicLong();
    private final AtomicLong regionAllocations = new AtomicLong();
    private final AtomicLong slabsMade = new AtomicLong();

    UvswapAllocationFactory(VSwap vswap, MemoryGroup group, RegionOption... regionOptions) {
        this.vswap = java.util.Objects.requireNonNull(vswap, "vswap");
        this.group = group;
        this.regionOptions = regionOptions.clone();
        int classes = Long.numberOfTrailingZeros(MAX_SLOT_BYTES) - Long.numberOfTrailingZeros(MIN_SLOT_BYTES) + 1;
        this.sizeClasses = new SizeClass[classes];
        RegionOption[] slabOptions = slabOptions(regionOptions);
        for (int i = 0; i < classes; i++) {
            sizeClasses[i] = new SizeClass(MIN_SLOT_BYTES << i, () -> {
                Region slab = allocateRegion(SLAB_BYTES, slabOptions);
                slabsMade.incrementAndGet();
                return slab;
            });
        }
    }

    /** SMALL_PAGES plus whatever fault-mode choice the caller made for its regions. */
    private static RegionOption[] slabOptions(RegionOption[] large) {
        return Stream.concat(Arrays.stream(large), Stream.of(RegionOption.SMALL_PAGES))
                .filter(o -> o != RegionOption.FIRST_TOUCH_WINDOWS)
                .distinct()
                .toArray(RegionOption[]::new);
    }

    @Override
    public AllocationManager create(BufferAllocator accountingAllocator, long size) {
        Backing backing = size <= MAX_SLOT_BYTES ? allocateSlot(size) : allocateDedicated(size);
        try {
            return new UvswapAllocationManager(accountingAllocator, size, backing);
        } catch (RuntimeException | Error e) {
            backing.release();   // the allocator was closed meanwhile: nobody will release it
            throw e;
        }
    }

    @Override
    public ArrowBuf empty() {
        return Empty.BUF;
    }

    private Backing allocateSlot(long size) {
        int index = Math.max(0, 64 - Long.numberOfLeadingZeros(Math.max(size, MIN_SLOT_BYTES) - 1)
                - Long.numberOfTrailingZeros(MIN_SLOT_BYTES));
        Backing.SlabSlot slot = sizeClasses[index].allocate();
        slotAllocations.incrementAndGet();
        return slot;
    }

    private Backing allocateDedicated(long size) {
        Region region = allocateRegion(size, regionOptions);
        dedicated.add(region);
        regionAllocations.incrementAndGet();
        return new Backing.DedicatedRegion(region, this);
    }

    private Region allocateRegion(long size, RegionOption[] options) {
        try {
            return group == null ? vswap.allocate(size, options) : vswap.allocate(size, group, options);
        } catch (RuntimeException e) {
            // Arrow's callers handle its own out-of-memory exception (and release the reservation).
            throw new OutOfMemoryException("uvswap could not allocate a region of " + size + " bytes: " + e.getMessage(), e);
        }
    }

    void releaseRegion(Region region) {
        dedicated.remove(region);
        region.close();
    }

    /** What the factory holds now: regions, slabs, and the allocations made so far. */
    public Usage usage() {
        int slabs = 0;
        long slots = 0;
        for (SizeClass c : sizeClasses) {
            slabs += c.slabCount();
            slots += c.usedSlots();
        }
        return new Usage(dedicated.size(), slabs, slots, regionAllocations.get(), slotAllocations.get(), slabsMade.get());
    }

    /**
     * @param openRegions      dedicated regions open (one per live large allocation)
     * @param openSlabs        slab regions open
     * @param usedSlots        live small allocations
     * @param regionAllocations large allocations made since the factory was built
     * @param slotAllocations  small allocations made since the factory was built
     * @param slabsMade        slab regions allocated since the factory was built
     */
    public record Usage(int openRegions, int openSlabs, long usedSlots, long regionAllocations, long slotAllocations,
                        long slabsMade) { }

    /** Closes every region and slab still open: call it after the allocators using it are closed. */
    @Override
    public void close() {
        dedicated.forEach(Region::close);
        dedicated.clear();
        for (SizeClass c : sizeClasses) {
            c.close();
        }
    }
}
