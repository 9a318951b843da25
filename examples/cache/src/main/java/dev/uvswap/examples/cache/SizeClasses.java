package dev.uvswap.examples.cache;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * Record chunk sizes, memcached's slab classes cut to the page: a chunk of at most 4 KiB never
 * crosses a page boundary, so reading a small value touches (and, swapped out, faults in) one data
 * page, never two. Up to 4 KiB the classes are therefore the sizes that fit n to a page
 * (4096 / n rounded down to 16 bytes: ..., 512, 576, 672, 816, 1024, 1360, 2048, 4096): any size in
 * between would use a page no better. Above 4 KiB they grow by about 1/16; the last class is the
 * largest record.
 */
final class SizeClasses {
    static final int PAGE = 4096;
    private static final int MIN = 32;
    private final int[] sizes;

    private SizeClasses(int[] sizes) {
        this.sizes = sizes;
    }

    static SizeClasses upTo(int maxRecordBytes) {
        int last = roundUp16(maxRecordBytes);
        TreeSet<Integer> set = new TreeSet<>();
        for (int n = PAGE / MIN; n >= 1; n--) {
            set.add((PAGE / n) & ~15);
        }
        for (int s = PAGE; s < last; s = roundUp16(s + s / 16)) {
            set.add(s);
        }
        set.add(last);
        return new SizeClasses(set.headSet(last, true).stream().mapToInt(Integer::intValue).toArray());
    }

    int count() {
        return sizes.length;
    }

    int size(int cls) {
        return sizes[cls];
    }

    /** The smallest class that holds {@code recordBytes} (which must be at most the largest). */
    int classOf(int recordBytes) {
        int i = Arrays.binarySearch(sizes, recordBytes);
        return i >= 0 ? i : -i - 1;
    }

    /** Data-area bytes that {@code count} records of {@code recordBytes} take, their class's page packing included. */
    long bytesFor(long count, int recordBytes) {
        int size = sizes[classOf(recordBytes)];
        if (size > PAGE) {
            return count * size;
        }
        long perPage = PAGE / size;
        return (count + perPage - 1) / perPage * PAGE;
    }

    private static int roundUp16(int v) {
        return (v + 15) & ~15;
    }
}
