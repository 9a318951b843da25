package dev.uvswap.internal.os;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One bit per page of a region, made in 128 MiB blocks on first set, so a huge sparse region
 * costs nothing until its pages are marked. Every bit operation is atomic; blocks are never
 * taken away.
 */
public final class PageBits {
    private static final int BLOCK_SHIFT = 15;   // 32768 pages: 128 MiB of region, 4 KiB of bits
    private static final int BLOCK_PAGES = 1 << BLOCK_SHIFT;

    /** Atomic access to a block's words: long[] element, with bitwise read-modify-write. */
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final long pages;
    private final AtomicReferenceArray<long[]> blocks;
    private volatile long set;

    public PageBits(long pages) {
        this.pages = pages;
        this.blocks = new AtomicReferenceArray<>((int) ((pages + BLOCK_PAGES - 1) >>> BLOCK_SHIFT));
    }

    /** Whether any bit was ever set: lets the common case (no pins, nothing active) skip all lookups. */
    public boolean everSet() {
        return set != 0;
    }

    public boolean get(long page) {
        long[] b = blocks.get((int) (page >>> BLOCK_SHIFT));
        return b != null && ((long) WORD.getAcquire(b, word(page)) & mask(page)) != 0;
    }

    public void set(long page) {
        WORD.getAndBitwiseOr(block(page), word(page), mask(page));
    }

    public void clear(long page) {
        long[] b = blocks.get((int) (page >>> BLOCK_SHIFT));
        if (b != null) {
            WORD.getAndBitwiseAnd(b, word(page), ~mask(page));
        }
    }

    /** Sets (or clears) {@code [from, from + n)}. */
    public void setRange(long from, long n, boolean on) {
        for (long p = from, end = Math.min(from + n, pages); p < end; ) {
            if ((p & 63) == 0 && end - p >= 64) {
                if (on) {
                    WORD.setRelease(block(p), word(p), -1L);
                } else {
                    long[] b = blocks.get((int) (p >>> BLOCK_SHIFT));
                    if (b != null) {
                        WORD.setRelease(b, word(p), 0L);
                    }
                }
                p += 64;
            } else {
                if (on) {
                    set(p);
                } else {
                    clear(p);
                }
                p++;
            }
        }
    }

    private long[] block(long page) {
        int i = (int) (page >>> BLOCK_SHIFT);
        long[] b = blocks.get(i);
        if (b == null) {
            blocks.compareAndSet(i, null, new long[BLOCK_PAGES / 64]);
            b = blocks.get(i);
            set = 1;
        }
        return b;
    }

    private static int word(long page) {
        return (int) ((page & (BLOCK_PAGES - 1)) >>> 6);
    }

    private static long mask(long page) {
        return 1L << (page & 63);
    }
}
