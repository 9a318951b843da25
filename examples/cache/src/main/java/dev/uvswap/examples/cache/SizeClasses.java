package dev.uvswap.examples.cache;

import java.util.Arrays;

/**
 * Record chunk sizes, memcached's slab classes: multiples of 16 growing by about 1/16 from 32
 * bytes, so a record wastes at most ~6% of its chunk; the last class is the largest record.
 */
final class SizeClasses {
    private static final int MIN = 32;
    private final int[] sizes;

    private SizeClasses(int[] sizes) {
        this.sizes = sizes;
    }

    static SizeClasses upTo(int maxRecordBytes) {
        int last = roundUp16(maxRecordBytes);
        int[] out = new int[64];
        int n = 0;
        for (int s = MIN; s < last; s = Math.max(s + 16, roundUp16(s + s / 16))) {
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = s;
        }
        out = Arrays.copyOf(out, n + 1);
        out[n] = last;
        return new SizeClasses(out);
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

    private static int roundUp16(int v) {
        return (v + 15) & ~15;
    }
}
