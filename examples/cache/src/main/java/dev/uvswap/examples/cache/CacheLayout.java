package dev.uvswap.examples.cache;

/**
 * Where things sit in the cache's one block of memory: the index (every shard's open-addressing
 * table, 16 bytes a slot) from offset 0, then the data area, cut into slabs that are carved into chunks of
 * one size class each ({@link ChunkAllocator}).
 */
record CacheLayout(CacheSpec spec, int tableSlots, long indexBytes, long dataOffset, int slabBytes, long slabCount,
                   SizeClasses classes) {
    static final int SLOT_BYTES = 16;
    /** The index is laid out so that maxEntries keys fill it to this load. */
    private static final double PLANNED_LOAD = 0.70;
    private static final long PAGE = 4096;

    static CacheLayout of(CacheSpec spec) {
        long perShard = (spec.maxEntries() + spec.shards() - 1) / spec.shards();
        long slots = Math.max(16, Long.highestOneBit((long) Math.ceil(perShard / PLANNED_LOAD) - 1) << 1);
        if (slots > (1 << 30)) {
            throw new IllegalArgumentException("maxEntries " + spec.maxEntries() + " needs " + slots
                    + " index slots per shard; use more shards");
        }
        long indexBytes = spec.shards() * slots * SLOT_BYTES;
        long dataOffset = roundUp(indexBytes, PAGE);
        // A slab holds at least one record of the largest class and is whole pages; 64 KiB keeps the
        // space a shard's partly filled slabs take small next to the data.
        int slabBytes = (int) roundUp(Math.max(64 << 10, spec.maxRecordBytes()), PAGE);
        long slabCount = (spec.dataBytes() + slabBytes - 1) / slabBytes;
        return new CacheLayout(spec, (int) slots, indexBytes, dataOffset, slabBytes, slabCount,
                SizeClasses.upTo(spec.maxRecordBytes()));
    }

    /** Bytes of memory the cache needs: index and data area. */
    long totalBytes() {
        return dataOffset + slabCount * slabBytes;
    }

    /** A shard stops taking new keys when this many slots are live. */
    int liveLimit() {
        return tableSlots - tableSlots / 8;
    }

    long tableBase(int shard) {
        return (long) shard * tableSlots * SLOT_BYTES;
    }

    private static long roundUp(long v, long unit) {
        return (v + unit - 1) / unit * unit;
    }
}
