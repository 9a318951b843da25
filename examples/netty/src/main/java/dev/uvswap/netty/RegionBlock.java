package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.Region;
import io.netty.util.internal.CleanableDirectBuffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One buffer's memory: {@code capacity} bytes at {@code offset} in a region, either a slot of a
 * slab (shared region) or a region of its own. Netty frees it through {@link #clean()}.
 */
final class RegionBlock implements CleanableDirectBuffer {
    static final long PAGE = 4096;

    private final RegionArena arena;
    private final Region region;
    private final Slab slab;          // null: the block owns its region
    private final int slot;
    private final long offset;
    private final int capacity;
    private final ByteBuffer buffer;
    private final long address;

    RegionBlock(RegionArena arena, Region region, Slab slab, int slot, long offset, int capacity) {
        this.arena = arena;
        this.region = region;
        this.slab = slab;
        this.slot = slot;
        this.offset = offset;
        this.capacity = capacity;
        MemorySegment segment = region.segment().asSlice(offset, capacity);
        this.buffer = segment.asByteBuffer();
        this.address = segment.address();
    }

    Region region() {
        return region;
    }

    long offset() {
        return offset;
    }

    Slab slab() {
        return slab;
    }

    int slot() {
        return slot;
    }

    /** Whether the kernel's own accesses (write(2) from, read(2) into the block) need present pages. */
    boolean kernelNeedsPresentPages() {
        return region.faultMode() == FaultMode.IN_THREAD || !arena.kernelFaultsHandled();
    }

    /** Swaps out the whole pages under {@code [from, from + length)} of the block; a page shared with a neighbour goes too (it comes back on touch). */
    long pageOut(long from, long length) {
        long[] range = pages(from, length);
        return range[1] == 0 ? 0 : region.pageOut(range[0], range[1]);
    }

    /** Makes the pages under {@code [from, from + length)} of the block present now. */
    long prefault(long from, long length) {
        long[] range = pages(from, length);
        return range[1] == 0 ? 0 : region.prefault(range[0], range[1]);
    }

    private long[] pages(long from, long length) {
        long start = Math.max(0, Math.min(from, capacity));
        long end = Math.max(start, Math.min(from + length, capacity));
        if (end == start) {
            return new long[] {0, 0};
        }
        long first = Math.floorDiv(offset + start, PAGE) * PAGE;
        long last = Math.ceilDiv(offset + end, PAGE) * PAGE;
        return new long[] {first, last - first};
    }

    @Override
    public ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public void clean() {
        arena.free(this);
    }

    @Override
    public boolean hasMemoryAddress() {
        return true;
    }

    @Override
    public long memoryAddress() {
        return address;
    }
}
