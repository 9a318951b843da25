package dev.uvswap.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Heap-like page contents for the benchmarks: headers, pointers sharing high bits, small ints, zero padding (zstd-1 ratio ~5). */
final class HeapLikeData {
    static final long PAGE = 4096;

    private HeapLikeData() {
    }

    static void fill(MemorySegment seg, long pages) {
        for (long p = 0; p < pages; p++) {
            for (long w = 0; w < PAGE / 8; w++) {
                long v = switch ((int) (w & 3)) {
                    case 0 -> 0x0000000100000001L;
                    case 1 -> 0x00007F3A00000000L | ((p * 31 + w) & 0xFFFF) << 4;
                    case 2 -> (p + w) & 0xFF;
                    default -> (w & 31) == 3 ? p * 0x9E3779B97F4A7C15L + w : 0;
                };
                seg.set(ValueLayout.JAVA_LONG, p * PAGE + w * 8, v);
            }
        }
    }
}
