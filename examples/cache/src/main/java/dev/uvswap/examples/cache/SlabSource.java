package dev.uvswap.examples.cache;

import java.util.concurrent.atomic.AtomicLong;

/** Hands out the data area's slabs, once each, to whichever shard needs one next (lock free). */
final class SlabSource {
    private final long dataOffset;
    private final int slabBytes;
    private final long slabCount;
    private final AtomicLong next = new AtomicLong();

    SlabSource(CacheLayout layout) {
        this.dataOffset = layout.dataOffset();
        this.slabBytes = layout.slabBytes();
        this.slabCount = layout.slabCount();
    }

    /** The offset of a fresh slab, or -1 when every slab has been handed out. */
    long take() {
        long i = next.getAndUpdate(n -> n < slabCount ? n + 1 : n);
        return i < slabCount ? dataOffset + i * slabBytes : -1;
    }

    long taken() {
        return next.get();
    }
}
