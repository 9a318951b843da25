package dev.uvswap.internal.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static dev.uvswap.internal.ring.CompletionRingLayout.*;

/**
 * Java's (consumer) end of one fault server's completion ring. Single consumer: only the
 * drainer, under its lock, calls {@link #drain}.
 */
public final class SpscCompletionRing {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** Receives one consumed slot: the slot and the descriptor it held. */
    @FunctionalInterface
    interface Consumer {
        void accept(long vslot, long desc);
    }

    private final MemorySegment ring;
    private final long mask;

    public SpscCompletionRing(MemorySegment header) {
        long capacity = header.reinterpret(RECORDS_OFFSET).get(ValueLayout.JAVA_LONG, CAPACITY_OFFSET);
        if (Long.bitCount(capacity) != 1) {
            throw new IllegalStateException("completion ring capacity " + capacity + " is not a power of two");
        }
        this.ring = header.reinterpret(bytesFor(capacity));
        this.mask = capacity - 1;
    }

    /** Hands every published record to {@code consumer}; returns how many. */
    int drain(Consumer consumer) {
        long head = (long) LONG.get(ring, HEAD_OFFSET);
        // acquire: pairs with the server's release of tail; the records before it are complete
        long tail = (long) LONG.getAcquire(ring, TAIL_OFFSET);
        for (long i = head; i < tail; i++) {
            long rec = RECORDS_OFFSET + (i & mask) * RECORD_SIZE;
            consumer.accept(ring.get(ValueLayout.JAVA_LONG, rec + RECORD_VSLOT_OFFSET),
                    ring.get(ValueLayout.JAVA_LONG, rec + RECORD_DESC_OFFSET));
        }
        if (tail != head) {
            // release: our reads of the records are done before the server may overwrite them
            LONG.setRelease(ring, HEAD_OFFSET, tail);
        }
        return (int) (tail - head);
    }
}
