package dev.uvswap.examples.cache;

import java.util.Arrays;

/**
 * Record chunks for all shards: per size class, the freed chunks and the rest of the class's
 * current slab; new slabs come from the {@link SlabSource}. Shared by the shards (with one small
 * lock per class, held for a few heap operations and never over cache memory, so never across a
 * fault) so that each class has at most one partly used slab, whatever the number of shards.
 * Chunks of up to a page are carved page by page: none crosses a page boundary ({@link SizeClasses}).
 */
final class ChunkAllocator {
    private final SizeClasses classes;
    private final SlabSource slabs;
    private final int slabBytes;
    private final SizeClass[] pools;

    ChunkAllocator(CacheLayout layout, SlabSource slabs) {
        this.classes = layout.classes();
        this.slabs = slabs;
        this.slabBytes = layout.slabBytes();
        this.pools = new SizeClass[classes.count()];
        for (int i = 0; i < pools.length; i++) {
            pools[i] = new SizeClass(classes.size(i));
        }
    }

    int classOf(int recordBytes) {
        return classes.classOf(recordBytes);
    }

    /** The offset of a free chunk of the class; throws when none is left and no slab is either. */
    long allocate(int cls, int recordBytes) {
        return pools[cls].allocate(recordBytes);
    }

    void release(int cls, long chunk) {
        pools[cls].release(chunk);
    }

    private final class SizeClass {
        private final int size;
        private long cursor;
        private long cursorEnd;
        private long[] free = new long[16];
        private int freeCount;

        SizeClass(int size) {
            this.size = size;
        }

        synchronized long allocate(int recordBytes) {
            if (freeCount > 0) {
                return free[--freeCount];
            }
            if (size <= SizeClasses.PAGE && cursor / SizeClasses.PAGE != (cursor + size - 1) / SizeClasses.PAGE) {
                cursor = (cursor / SizeClasses.PAGE + 1) * SizeClasses.PAGE;   // small chunks stay inside a page
            }
            if (cursor + size > cursorEnd) {
                long slab = slabs.take();
                if (slab < 0) {
                    throw new CacheFullException("data area full: no free " + size + "-byte chunk for a " + recordBytes
                            + "-byte record and all " + slabs.taken() + " slabs of " + slabBytes + " bytes are in use");
                }
                cursor = slab;
                cursorEnd = slab + slabBytes;
            }
            long chunk = cursor;
            cursor += size;
            return chunk;
        }

        synchronized void release(long chunk) {
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, free.length * 2);
            }
            free[freeCount++] = chunk;
        }
    }
}
