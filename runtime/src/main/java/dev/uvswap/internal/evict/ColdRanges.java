package dev.uvswap.internal.evict;

import java.util.Arrays;

/**
 * A region's cold advice waiting for reclaim: page ranges, sorted, disjoint and never adjacent,
 * at most {@code max} of them, so advice costs bounded memory however often it is given and
 * whether or not reclaim ever takes it. Advice that overlaps or touches a range merges with it;
 * past {@code max} ranges the record coarsens: every gap no wider than the median gap is filled,
 * which halves the count and costs the least precision (the pages filled in count as cold too).
 */
public final class ColdRanges {
    private final int max;
    private long[] first = new long[8];
    private long[] end = new long[8];
    private int n;

    public ColdRanges(int max) {
        if (max < 2) {
            throw new IllegalArgumentException("max " + max);
        }
        this.max = max;
    }

    /** Records {@code [from, from + pages)} as cold. */
    public synchronized void add(long from, long pages) {
        if (pages <= 0) {
            return;
        }
        long s = from;
        long e = from + pages;
        int lo = firstEndingAtOrAfter(s);
        int hi = lo;
        while (hi < n && first[hi] <= e) {   // overlapping or adjacent: one range
            s = Math.min(s, first[hi]);
            e = Math.max(e, end[hi]);
            hi++;
        }
        if (hi == lo) {
            if (n == first.length) {
                first = Arrays.copyOf(first, 2 * n);
                end = Arrays.copyOf(end, 2 * n);
            }
            System.arraycopy(first, lo, first, lo + 1, n - lo);
            System.arraycopy(end, lo, end, lo + 1, n - lo);
            n++;
        } else if (hi > lo + 1) {
            System.arraycopy(first, hi, first, lo + 1, n - hi);
            System.arraycopy(end, hi, end, lo + 1, n - hi);
            n -= hi - lo - 1;
        }
        first[lo] = s;
        end[lo] = e;
        if (n > max) {
            coarsen();
        }
    }

    /**
     * Takes cold pages from the lowest range: {@code {first, pages}}, or null when none are left.
     * A range longer than {@code maxPages} is cut at the first multiple of {@code align} at or
     * past {@code maxPages} pages (whole extents leave whole); the rest stays recorded.
     */
    public synchronized long[] poll(long maxPages, long align) {
        if (n == 0) {
            return null;
        }
        long s = first[0];
        long e = end[0];
        long cut = Math.ceilDiv(s + Math.max(1, maxPages), align) * align;
        if (cut < e) {
            first[0] = cut;
            return new long[] {s, cut - s};
        }
        System.arraycopy(first, 1, first, 0, n - 1);
        System.arraycopy(end, 1, end, 0, n - 1);
        n--;
        return new long[] {s, e - s};
    }

    public synchronized boolean isEmpty() {
        return n == 0;
    }

    /** Ranges recorded. */
    public synchronized int size() {
        return n;
    }

    public synchronized void clear() {
        n = 0;
        first = new long[8];
        end = new long[8];
    }

    /** The index of the first range ending at or after {@code page} (n if none). */
    private int firstEndingAtOrAfter(long page) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (end[mid] < page) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void coarsen() {
        long[] gaps = new long[n - 1];
        for (int i = 0; i < n - 1; i++) {
            gaps[i] = first[i + 1] - end[i];
        }
        Arrays.sort(gaps);
        long fill = gaps[(n - 2) / 2];   // the median gap: at least half the gaps go
        int w = 0;
        for (int i = 1; i < n; i++) {
            if (first[i] - end[w] <= fill) {
                end[w] = end[i];
            } else {
                w++;
                first[w] = first[i];
                end[w] = end[i];
            }
        }
        n = w + 1;
    }
}
