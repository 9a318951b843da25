package dev.uvswap.examples.cache;

/**
 * The fixed capacity of an {@link OffHeapCache}, chosen at construction.
 *
 * @param dataBytes      bytes for records (key + value + an 8-byte header each, in chunks of
 *                       their size class; a chunk of up to 4 KiB never crosses a page, so 1 KiB
 *                       values take a third of a page each: see {@link #forRecords}); the data
 *                       area never grows
 * @param maxEntries     keys the index is sized for; a shard refuses new keys once its table is
 *                       7/8 full, which, with the index laid out for {@code maxEntries} at 70%,
 *                       leaves room for an uneven spread of keys over the shards
 * @param maxRecordBytes the largest record (8 + key + value bytes); larger puts are refused
 * @param shards         independent index shards, each with its own lock (a power of two)
 */
public record CacheSpec(long dataBytes, long maxEntries, int maxRecordBytes, int shards) {
    public static final int DEFAULT_MAX_RECORD_BYTES = 64 << 10;
    public static final int DEFAULT_SHARDS = 64;

    public CacheSpec {
        if (dataBytes <= 0) {
            throw new IllegalArgumentException("dataBytes must be positive: " + dataBytes);
        }
        if (maxEntries <= 0 || maxEntries > (1L << 40)) {
            throw new IllegalArgumentException("maxEntries outside 1..2^40: " + maxEntries);
        }
        if (maxRecordBytes < 64 || maxRecordBytes > (64 << 20)) {
            throw new IllegalArgumentException("maxRecordBytes outside 64 B..64 MiB: " + maxRecordBytes);
        }
        if (shards < 1 || shards > 4096 || Integer.bitCount(shards) != 1) {
            throw new IllegalArgumentException("shards must be a power of two in 1..4096: " + shards);
        }
    }

    /**
     * Room for {@code records} records of {@code recordBytes} each (8 + key + value bytes), their
     * size class's packing included, plus a slab per class; records up to {@code recordBytes}, at
     * least 4 KiB.
     */
    public static CacheSpec forRecords(long records, int recordBytes) {
        int maxRecord = Math.max(4096, recordBytes);
        CacheLayout probe = CacheLayout.of(new CacheSpec(1, records, maxRecord, DEFAULT_SHARDS));
        long bytes = probe.classes().bytesFor(records, recordBytes) + (long) probe.classes().count() * probe.slabBytes();
        return new CacheSpec(bytes, records, maxRecord, DEFAULT_SHARDS);
    }

    /** {@code dataBytes} of records, an index for {@code maxEntries} keys, 64 KiB records, 64 shards. */
    public static CacheSpec of(long dataBytes, long maxEntries) {
        return new CacheSpec(dataBytes, maxEntries, DEFAULT_MAX_RECORD_BYTES, DEFAULT_SHARDS);
    }
}
