package dev.uvswap.internal.pool;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The spans serving one object size, sorted into fullness groups as zsmalloc does: allocation
 * takes from the fullest group so nearly-empty spans drain and go back to the free-span list
 * instead of staying half used forever.
 *
 * <p>Every mutable field, and every span of this class, is guarded by {@link #lock}.
 */
final class SizeClass {

    /** Object sizes are multiples of this. */
    static final int GRANULE = 32;
    static final int GROUPS = 4;

    final int index;
    final int size;
    final int objectsPerSpan;
    final ReentrantLock lock = new ReentrantLock();

    /** Heads of the partial lists; group g holds spans with g/4 ≤ live/objectsPerSpan < (g+1)/4. */
    private final Span[] groups = new Span[GROUPS];

    SizeClass(int index) {
        this.index = index;
        this.size = (index + 1) * GRANULE;
        this.objectsPerSpan = CompressedPool.SPAN_BYTES / size;
    }

    /** Most recently touched span of the fullest non-empty group, or null if none has room. */
    Span fullestPartial() {
        for (int g = GROUPS - 1; g >= 0; g--) {
            if (groups[g] != null) {
                return groups[g];
            }
        }
        return null;
    }

    /** Moves the span to the list its live count calls for (none when full or empty). */
    void regroup(Span span) {
        int live = span.liveObjects;
        int g = live == 0 || live == objectsPerSpan
                ? Span.NO_GROUP
                : (int) ((long) live * GROUPS / objectsPerSpan);
        if (g != span.group) {
            unlink(span);
            link(span, g);
        }
    }

    void unlink(Span span) {
        if (span.group == Span.NO_GROUP) {
            return;
        }
        if (span.prev != null) {
            span.prev.next = span.next;
        } else {
            groups[span.group] = span.next;
        }
        if (span.next != null) {
            span.next.prev = span.prev;
        }
        span.prev = null;
        span.next = null;
        span.group = Span.NO_GROUP;
    }

    private void link(Span span, int g) {
        span.group = g;
        if (g == Span.NO_GROUP) {
            return;
        }
        Span head = groups[g];
        span.next = head;
        if (head != null) {
            head.prev = span;
        }
        groups[g] = span;
    }
}
