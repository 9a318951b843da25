package dev.uvswap.netty;

import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * Where buffer memory comes from. A buffer of up to {@link #MAX_SLOT} bytes takes a slot of the
 * next power-of-two size (at least {@link #MIN_SLOT}) in a 2 MiB slab region of that size, mapped
 * with small pages so that a slab with one 64-byte buffer in it costs one 4 KiB page, not a 2 MiB
 * huge page; a larger buffer gets a region of its own (huge pages unless the options say
 * otherwise), freed by closing it. Slots are not zeroed when reused, as in Netty's pooled
 * allocators.
 */
final class RegionArena implements AutoCloseable {
    static final int SLAB_BYTES = 2 << 20;
    static final int MIN_SLOT = 64;
    static final int MAX_SLOT = SLAB_BYTES / 2;

    private final VSwap vswap;
    private final MemoryGroup group;
    private final RegionOption[] slabOptions;
    private final RegionOption[] ownOptions;
    private final SizeClass[] classes;
    private final Set<Region> own = ConcurrentHashMap.newKeySet();
    private final LongAdder heldBytes = new LongAdder();
    private final LongAdder efaultRetries = new LongAdder();
    private final boolean kernelFaultsHandled;

    RegionArena(VSwap vswap, MemoryGroup group, RegionOption[] options, int maxSlot) {
        this.vswap = vswap;
        this.group = group;
        this.ownOptions = options.clone();
        this.slabOptions = Stream.concat(Arrays.stream(options), Stream.of(RegionOption.SMALL_PAGES))
                .distinct().toArray(RegionOption[]::new);
        this.kernelFaultsHandled = vswap.kernelFaultsHandled();
        int n = maxSlot < MIN_SLOT ? 0 : Integer.numberOfTrailingZeros(maxSlot) - Integer.numberOfTrailingZeros(MIN_SLOT) + 1;
        this.classes = new SizeClass[n];
        for (int i = 0; i < n; i++) {
            int size = MIN_SLOT << i;
            classes[i] = new SizeClass(size, () -> new Slab(allocate(SLAB_BYTES, slabOptions), size));
        }
    }

    boolean kernelFaultsHandled() {
        return kernelFaultsHandled;
    }

    RegionBlock allocate(int capacity) {
        int cls = sizeClass(capacity);
        if (cls < 0) {
            Region r = allocate(Math.max(1, capacity), ownOptions);   // a region is never empty
            own.add(r);
            heldBytes.add(r.size());
            return new RegionBlock(this, r, null, 0, 0, capacity);
        }
        SizeClass.Slot s = classes[cls].take();
        heldBytes.add(s.slab().slotSize);
        return new RegionBlock(this, s.slab().region, s.slab(), s.index(), (long) s.index() * s.slab().slotSize, capacity);
    }

    void free(RegionBlock block) {
        Slab slab = block.slab();
        if (slab == null) {
            if (own.remove(block.region())) {
                heldBytes.add(-block.region().size());
                block.region().close();
            }
            return;
        }
        heldBytes.add(-slab.slotSize);
        classes[sizeClass(slab.slotSize)].give(slab, block.slot());
    }

    /** Bytes of region memory held by live buffers: their slots, or their own regions. */
    long heldBytes() {
        return heldBytes.sum();
    }

    void countEfaultRetry() {
        efaultRetries.increment();
    }

    long efaultRetries() {
        return efaultRetries.sum();
    }

    /** Regions open now: slabs (live or the one kept empty per size) and buffers' own regions. */
    int regionCount() {
        return own.size() + Arrays.stream(classes).mapToInt(SizeClass::slabCount).sum();
    }

    private int sizeClass(int capacity) {
        if (classes.length == 0 || capacity > classes[classes.length - 1].slotSize()) {
            return -1;
        }
        int size = capacity <= MIN_SLOT ? MIN_SLOT : Integer.highestOneBit(capacity - 1) << 1;
        return Integer.numberOfTrailingZeros(size) - Integer.numberOfTrailingZeros(MIN_SLOT);
    }

    private Region allocate(long bytes, RegionOption[] options) {
        return group == null ? vswap.allocate(bytes, options) : vswap.allocate(bytes, group, options);
    }

    /** Closes every region; buffers still live fail on their next access (IllegalStateException). */
    @Override
    public void close() {
        for (SizeClass c : classes) {
            c.closeAll();
        }
        own.forEach(Region::close);
        own.clear();
    }
}
