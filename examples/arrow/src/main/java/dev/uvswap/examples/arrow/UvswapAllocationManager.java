package dev.uvswap.examples.arrow;

import dev.uvswap.MemoryGroup;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.BufferAllocator;

/**
 * One Arrow allocation (the memory behind an {@link org.apache.arrow.memory.ArrowBuf} and its
 * slices) held in uvswap memory: a region of its own for a large buffer, a slot of a shared slab
 * region for a small one. Arrow reads and writes it through plain addresses, so pages that
 * uvswap swapped out come back on the first touch, unseen by Arrow.
 *
 * {@snippet :
 * try (VSwap vswap = VSwap.builder().build();
 *      UvswapAllocationFactory factory = UvswapAllocationManager.factory(vswap, group);
 *      BufferAllocator root = new RootAllocator(
 *              RootAllocator.configBuilder().allocationManagerFactory(factory).build())) {
 *     // vectors allocated from root live in uvswap regions of the group
 * }
 * }
 */
public final class UvswapAllocationManager extends AllocationManager {

    private final long size;
    private final Backing backing;

    UvswapAllocationManager(BufferAllocator accountingAllocator, long size, Backing backing) {
        super(accountingAllocator);
        this.size = size;
        this.backing = backing;
    }

    /**
     * A factory whose allocations live in regions of {@code group} (null: no group) allocated
     * from {@code vswap}. Close it after the allocators that use it; closing the VSwap frees its
     * regions as well.
     */
    public static UvswapAllocationFactory factory(VSwap vswap, MemoryGroup group, RegionOption... regionOptions) {
        return new UvswapAllocationFactory(vswap, group, regionOptions);
    }

    /** The size Arrow asked for: the allocator's accounting releases exactly this much. */
    @Override
    public long getSize() {
        return size;
    }

    @Override
    protected long memoryAddress() {
        return backing.address();
    }

    @Override
    protected void release0() {
        backing.release();
    }

    /** Where the bytes are (for tests and diagnostics). */
    public Backing backing() {
        return backing;
    }
}
