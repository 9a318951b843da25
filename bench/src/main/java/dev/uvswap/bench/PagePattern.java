package dev.uvswap.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The page contents of the usemem/memhog workloads, word for word the same as
 * bench/native/usemem.c writes for the kernel baseline, so both compress alike.
 */
enum PagePattern {
    /** vm-scalability usemem: each 64-bit word holds its own index in the region. */
    USEMEM {
        @Override
        long word(long page, long w) {
            return page * WORDS + w;
        }
    },
    /** numactl memhog: each page memset to one byte, (page * 7 + 1). */
    MEMHOG {
        @Override
        long word(long page, long w) {
            return ((page * 7 + 1) & 0xFF) * 0x0101010101010101L;
        }

        @Override
        void fill(MemorySegment seg, long offset, long page) {
            seg.asSlice(offset, PAGE).fill((byte) (page * 7 + 1));
        }
    },
    /** Heap-like: headers, pointers sharing high bits, small ints, zero padding (zstd-1 ratio ~5). */
    HEAP {
        @Override
        long word(long p, long w) {
            return switch ((int) (w & 3)) {
                case 0 -> 0x0000000100000001L;
                case 1 -> 0x00007F3A00000000L | ((p * 31 + w) & 0xFFFF) << 4;
                case 2 -> (p + w) & 0xFF;
                default -> (w & 31) == 3 ? p * 0x9E3779B97F4A7C15L + w : 0;
            };
        }
    };

    static final long PAGE = 4096;
    static final long WORDS = PAGE / 8;

    abstract long word(long page, long w);

    /** Writes page {@code page}'s contents at {@code offset} of {@code seg}. */
    void fill(MemorySegment seg, long offset, long page) {
        for (long w = 0; w < WORDS; w++) {
            seg.set(ValueLayout.JAVA_LONG, offset + w * 8, word(page, w));
        }
    }

    /** Fills {@code pages} pages from the start of {@code seg}, page i as page i. */
    void fill(MemorySegment seg, long pages) {
        for (long p = 0; p < pages; p++) {
            fill(seg, p * PAGE, p);
        }
    }

    /** The words of the page at {@code offset} that are not what {@link #fill} wrote there. */
    long errors(MemorySegment seg, long offset, long page) {
        long bad = 0;
        for (long w = 0; w < WORDS; w++) {
            if (seg.get(ValueLayout.JAVA_LONG, offset + w * 8) != word(page, w)) {
                bad++;
            }
        }
        return bad;
    }
}
