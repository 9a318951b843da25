package dev.uvswap.examples.cache;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One lock's worth of the cache: an open-addressing table (linear probing) in the shared memory,
 * and the records it points to. A table slot is two words: the record's offset (0: empty,
 * -1: deleted) and the key's full hash, so a probe reads record memory only for a likely match.
 * A record is {@code int keyLength, int valueLength, key, value} in a chunk of its size class.
 *
 * <p>Everything on the data path lives in the memory (which may be swapped out); only the
 * allocator's bookkeeping ({@link ChunkAllocator}: cursors and free chunks) is on the heap.
 */
final class Shard {
    private static final long EMPTY = 0;
    private static final long DELETED = -1;
    private static final int HEADER = 8;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final MemorySegment mem;
    private final long table;
    private final int mask;
    private final int liveLimit;
    private final ChunkAllocator chunks;
    private int live;
    private int deleted;

    Shard(MemorySegment mem, CacheLayout layout, int index, ChunkAllocator chunks) {
        this.mem = mem;
        this.table = layout.tableBase(index);
        this.mask = layout.tableSlots() - 1;
        this.liveLimit = layout.liveLimit();
        this.chunks = chunks;
    }

    /** The value stored for the key, or null. */
    byte[] get(long hash, byte[] key) {
        lock.readLock().lock();
        try {
            long slot = locate(hash, key);
            if (slot < 0) {
                return null;
            }
            long rec = ref(slot);
            byte[] value = new byte[mem.get(JAVA_INT_UNALIGNED, rec + 4)];
            MemorySegment.copy(mem, JAVA_BYTE, rec + HEADER + key.length, value, 0, value.length);
            return value;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Stores the value; true if the key was new. */
    boolean put(long hash, byte[] key, byte[] value) {
        int recordBytes = HEADER + key.length + value.length;
        int cls = chunks.classOf(recordBytes);
        lock.writeLock().lock();
        try {
            long slot = locate(hash, key);
            if (slot >= 0) {
                long old = ref(slot);
                int oldCls = chunks.classOf(HEADER + key.length + mem.get(JAVA_INT_UNALIGNED, old + 4));
                if (oldCls == cls) {
                    writeRecord(old, key, value);   // same chunk size: overwrite in place
                } else {
                    long rec = chunks.allocate(cls, recordBytes);
                    writeRecord(rec, key, value);
                    mem.set(JAVA_LONG, table + slot * CacheLayout.SLOT_BYTES, rec);
                    chunks.release(oldCls, old);
                }
                return false;
            }
            if (live >= liveLimit) {
                throw new CacheFullException("index shard full: " + live + " keys (its limit; the index was sized for "
                        + "CacheSpec.maxEntries and keys hash unevenly over shards)");
            }
            long at = -slot - 1;
            long rec = chunks.allocate(cls, recordBytes);
            writeRecord(rec, key, value);
            boolean reusesDeleted = ref(at) == DELETED;
            mem.set(JAVA_LONG, table + at * CacheLayout.SLOT_BYTES + 8, hash);
            mem.set(JAVA_LONG, table + at * CacheLayout.SLOT_BYTES, rec);
            live++;
            if (reusesDeleted) {
                deleted--;
            } else if (live + deleted > liveLimit) {
                purgeDeleted();
            }
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes the key; true if it was there. */
    boolean delete(long hash, byte[] key) {
        lock.writeLock().lock();
        try {
            long slot = locate(hash, key);
            if (slot < 0) {
                return false;
            }
            long rec = ref(slot);
            int cls = chunks.classOf(HEADER + key.length + mem.get(JAVA_INT_UNALIGNED, rec + 4));
            mem.set(JAVA_LONG, table + slot * CacheLayout.SLOT_BYTES, DELETED);
            live--;
            deleted++;
            chunks.release(cls, rec);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    int size() {
        lock.readLock().lock();
        try {
            return live;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The key's slot if present; otherwise {@code -(slot + 1)} for where to insert it: the first
     * deleted slot on its probe path, else the empty slot that ended the probe. The table always has
     * an empty slot (live + deleted stays at most liveLimit), so the probe ends.
     */
    private long locate(long hash, byte[] key) {
        long insertAt = -1;
        for (long i = hash & mask; ; i = (i + 1) & mask) {
            long rec = ref(i);
            if (rec == EMPTY) {
                return -(insertAt >= 0 ? insertAt : i) - 1;
            }
            if (rec == DELETED) {
                if (insertAt < 0) {
                    insertAt = i;
                }
            } else if (mem.get(JAVA_LONG, table + i * CacheLayout.SLOT_BYTES + 8) == hash && keyEquals(rec, key)) {
                return i;
            }
        }
    }

    private long ref(long slot) {
        return mem.get(JAVA_LONG, table + slot * CacheLayout.SLOT_BYTES);
    }

    private boolean keyEquals(long rec, byte[] key) {
        if (mem.get(JAVA_INT_UNALIGNED, rec) != key.length) {
            return false;
        }
        MemorySegment k = MemorySegment.ofArray(key);
        return MemorySegment.mismatch(mem, rec + HEADER, rec + HEADER + key.length, k, 0, key.length) < 0;
    }

    private void writeRecord(long rec, byte[] key, byte[] value) {
        mem.set(JAVA_INT_UNALIGNED, rec, key.length);
        mem.set(JAVA_INT_UNALIGNED, rec + 4, value.length);
        MemorySegment.copy(key, 0, mem, JAVA_BYTE, rec + HEADER, key.length);
        MemorySegment.copy(value, 0, mem, JAVA_BYTE, rec + HEADER + key.length, value.length);
    }

    /** Rebuilds the table without its deleted slots, which would otherwise make every probe longer. */
    private void purgeDeleted() {
        long[] refs = new long[live];
        long[] hashes = new long[live];
        int n = 0;
        for (long i = 0; i <= mask; i++) {
            long rec = ref(i);
            if (rec != EMPTY && rec != DELETED) {
                refs[n] = rec;
                hashes[n++] = mem.get(JAVA_LONG, table + i * CacheLayout.SLOT_BYTES + 8);
            }
        }
        mem.asSlice(table, (mask + 1L) * CacheLayout.SLOT_BYTES).fill((byte) 0);
        for (int j = 0; j < n; j++) {
            long i = hashes[j] & mask;
            while (ref(i) != EMPTY) {
                i = (i + 1) & mask;
            }
            mem.set(JAVA_LONG, table + i * CacheLayout.SLOT_BYTES + 8, hashes[j]);
            mem.set(JAVA_LONG, table + i * CacheLayout.SLOT_BYTES, refs[j]);
        }
        deleted = 0;
    }
}
