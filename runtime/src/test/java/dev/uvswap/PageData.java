package dev.uvswap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Deterministic page contents of several kinds, so every swapped page can be checked exactly. */
public enum PageData {
    /** Incompressible: every word random. */
    RANDOM,
    /** Like a JVM heap or an off-heap store: headers, small ints, pointers sharing high bits, zeros. */
    HEAP_LIKE,
    /** All zero. */
    ZERO,
    /** One non-zero word repeated. */
    SAME_FILLED,
    /** ASCII text. */
    TEXT;

    private static final long WORDS = 4096 / 8;

    /** Fills page {@code page} of {@code seg} with this kind's content for {@code seed}. */
    public void fill(MemorySegment seg, long page, long seed) {
        long base = page * 4096;
        for (long w = 0; w < WORDS; w++) {
            seg.set(ValueLayout.JAVA_LONG_UNALIGNED, base + w * 8, word(page, w, seed));
        }
    }

    /** Returns the index of the first wrong word, or -1 if the page is exactly as filled. */
    public long check(MemorySegment seg, long page, long seed) {
        long base = page * 4096;
        for (long w = 0; w < WORDS; w++) {
            if (seg.get(ValueLayout.JAVA_LONG_UNALIGNED, base + w * 8) != word(page, w, seed)) {
                return w;
            }
        }
        return -1;
    }

    long word(long page, long w, long seed) {
        return switch (this) {
            case RANDOM -> mix(seed * 0x9E3779B97F4A7C15L + page * 4099 + w);
            case ZERO -> 0;
            case SAME_FILLED -> 0x5A5A5A5A00000000L | (page & 0xFFFF) | 1;
            case HEAP_LIKE -> heapWord(page, w, seed);
            case TEXT -> textWord(page, w, seed);
        };
    }

    private static long heapWord(long page, long w, long seed) {
        long r = mix(seed + page * 131 + (w >>> 2));
        return switch ((int) (w & 3)) {
            case 0 -> 0x0000000100000001L;                                  // mark word / header
            case 1 -> 0x00007F3A00000000L | ((r & 0xFFFF) << 4);            // pointer, 16 B aligned
            case 2 -> r & 0xFF;                                             // small int
            default -> (r & 7) == 0 ? r : 0;                               // mostly zero padding
        };
    }

    private static long textWord(long page, long w, long seed) {
        String s = "the quick brown fox jumps over the lazy dog ";
        long r = 0;
        for (int b = 0; b < 8; b++) {
            long i = (page * 4096 + w * 8 + b + seed) % s.length();
            r |= (long) s.charAt((int) i) << (8 * b);
        }
        return r;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The kind of page {@code page} in a mixed layout. */
    public static PageData mixed(long page, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 31 + page);
        return values()[r.nextInt(values().length)];
    }

    /** Fills the first {@code pages} pages of a region with the mixed layout. */
    public static void fillMixed(Region r, long pages, long seed) {
        MemorySegment seg = r.segment();
        for (long p = 0; p < pages; p++) {
            mixed(p, seed).fill(seg, p, seed);
        }
    }

    /** Asserts that the first {@code pages} pages hold exactly what {@link #fillMixed} wrote. */
    public static void assertMixed(Region r, long pages, long seed) {
        MemorySegment seg = r.segment();
        for (long p = 0; p < pages; p++) {
            PageData k = mixed(p, seed);
            org.junit.jupiter.api.Assertions.assertEquals(-1, k.check(seg, p, seed), "page " + p + " (" + k + ")");
        }
    }
}
