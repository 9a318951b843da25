package dev.uvswap.examples.cache;

import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A key-value cache of byte arrays kept off the heap, in one block of memory: normally one uvswap
 * {@link Region} in a {@link MemoryGroup}, so the cache can hold far more than the group's memory
 * budget and the pages nobody reads lately wait compressed in the pool.
 *
 * <p>Layout: an open-addressing index (one table per shard) at the start of the block, then the
 * records, in slabs carved into size-class chunks as memcached does; see the module README. The
 * capacity (record bytes, keys, largest record) is fixed at construction; a put that finds no room
 * throws {@link CacheFullException}. It is not an evicting cache: what is stored stays until
 * deleted or overwritten.
 *
 * <p>Thread safe: each shard has a read-write lock, so readers of a shard run together and a
 * thread that faults on a swapped-out page holds up only writers of that shard.
 *
 * {@snippet :
 * try (VSwap vswap = VSwap.builder().compressor(Compressor.LZ4).build()) {
 *     MemoryGroup group = vswap.createGroup("cache");
 *     group.setMemoryMax(128L << 20);                       // 128 MiB resident at most
 *     try (OffHeapCache cache = OffHeapCache.allocate(vswap, group, CacheSpec.of(1L << 30, 1_000_000))) {
 *         cache.put(key, value);                             // 1 GiB of records fit
 *         byte[] back = cache.get(key);                      // faulted back in if it was swapped out
 *     }
 * }
 * }
 */
public final class OffHeapCache implements AutoCloseable {
    private static final int HEADER = 8;

    private final CacheLayout layout;
    private final Shard[] shards;
    private final int shardShift;
    private final SlabSource slabs;
    private final Region region;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OffHeapCache(MemorySegment memory, CacheLayout layout, Region region) {
        this.layout = layout;
        this.region = region;
        this.slabs = new SlabSource(layout);
        ChunkAllocator chunks = new ChunkAllocator(layout, slabs);
        this.shards = new Shard[layout.spec().shards()];
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new Shard(memory, layout, i, chunks);
        }
        this.shardShift = 64 - Integer.numberOfTrailingZeros(shards.length);
    }

    /**
     * A cache in a new region of {@code vswap}, in {@code group}. The region uses 4 KiB pages
     * ({@link RegionOption#SMALL_PAGES}): reads are scattered, and a 2 MiB swap-in for one value
     * would bring in 2048 times what was asked for. Extra options (a fault mode) are added to it.
     * Closing the cache closes the region.
     */
    public static OffHeapCache allocate(VSwap vswap, MemoryGroup group, CacheSpec spec, RegionOption... extra) {
        CacheLayout layout = CacheLayout.of(spec);
        RegionOption[] options = Stream.concat(Stream.of(RegionOption.SMALL_PAGES), Stream.of(extra))
                .distinct().toArray(RegionOption[]::new);
        Region region = vswap.allocate(layout.totalBytes(), group, options);
        return new OffHeapCache(region.segment(), layout, region);
    }

    /**
     * A cache over memory the caller owns (a fresh anonymous mapping, say: it must read as zeros
     * and hold {@link #requiredBytes}); closing the cache leaves the memory alone. This is how the
     * same cache runs without uvswap, on memory the kernel swaps.
     */
    public static OffHeapCache over(MemorySegment memory, CacheSpec spec) {
        CacheLayout layout = CacheLayout.of(spec);
        if (memory.byteSize() < layout.totalBytes()) {
            throw new IllegalArgumentException("the cache needs " + layout.totalBytes() + " bytes, the segment has "
                    + memory.byteSize());
        }
        return new OffHeapCache(memory, layout, null);
    }

    /** Bytes of memory a cache of this spec takes: its index plus its data area. */
    public static long requiredBytes(CacheSpec spec) {
        return CacheLayout.of(spec).totalBytes();
    }

    /** The value stored for {@code key}, or null. */
    public byte[] get(byte[] key) {
        Objects.requireNonNull(key, "key");
        open();
        long h = KeyHash.of(key);
        return shard(h).get(h, key);
    }

    /**
     * Stores {@code value} under {@code key}, replacing what was there; returns true if the key
     * was new. The arrays are copied.
     *
     * @throws IllegalArgumentException if 8 + key + value bytes exceed {@link CacheSpec#maxRecordBytes}
     * @throws CacheFullException       if there is no room; the cache is then unchanged
     */
    public boolean put(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        open();
        long record = HEADER + (long) key.length + value.length;
        if (record > layout.spec().maxRecordBytes()) {
            throw new IllegalArgumentException("record too large: key " + key.length + " + value " + value.length
                    + " + " + HEADER + " header bytes = " + record + ", the cache's maxRecordBytes is "
                    + layout.spec().maxRecordBytes());
        }
        long h = KeyHash.of(key);
        return shard(h).put(h, key, value);
    }

    /** Removes {@code key}; returns true if it was there. Its chunk is reused by later puts of its size class. */
    public boolean delete(byte[] key) {
        Objects.requireNonNull(key, "key");
        open();
        long h = KeyHash.of(key);
        return shard(h).delete(h, key);
    }

    /** Keys stored now. */
    public long size() {
        open();
        long n = 0;
        for (Shard s : shards) {
            n += s.size();
        }
        return n;
    }

    /** Data-area bytes in slabs handed to shards so far (the rest of the data area was never touched). */
    public long slabBytesUsed() {
        return slabs.taken() * layout.slabBytes();
    }

    /** Bytes of the block: index plus data area. */
    public long memoryBytes() {
        return layout.totalBytes();
    }

    public CacheSpec spec() {
        return layout.spec();
    }

    /**
     * Closes the region (for a cache made by {@link #allocate}); idempotent. Calls after it throw
     * IllegalStateException; it must not race calls still running on other threads.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && region != null) {
            region.close();
        }
    }

    private Shard shard(long hash) {
        return shards.length == 1 ? shards[0] : shards[(int) (hash >>> shardShift)];
    }

    private void open() {
        if (closed.get()) {
            throw new IllegalStateException("cache closed");
        }
    }
}
