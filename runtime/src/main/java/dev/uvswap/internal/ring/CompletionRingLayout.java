package dev.uvswap.internal.ring;

import dev.uvswap.bindings.uvswap.uvs_completion;
import dev.uvswap.bindings.uvswap.uvs_ring;

/**
 * Layout of a fault server's completion ring (struct uvs_ring in uvswap.h), in the style of
 * Agrona's RingBufferDescriptor. Offsets come from the bindings, which LayoutTest checks
 * against the C compiler.
 *
 * <pre>
 *   0                   64                  128                 192
 *   +-------------------+-------------------+-------------------+---------------------------
 *   | head (Java, rel.) | tail (server, rel)| capacity (const)  | records: {vslot, desc} x capacity
 *   +-------------------+-------------------+-------------------+---------------------------
 * </pre>
 * head and tail are free-running counters (never wrapped); a record's index is counter &amp;
 * (capacity - 1). Each counter sits on its own cache line so producer and consumer do not
 * share one.
 */
final class CompletionRingLayout {
    static final long HEAD_OFFSET = uvs_ring.head$offset();
    static final long TAIL_OFFSET = uvs_ring.tail$offset();
    static final long CAPACITY_OFFSET = uvs_ring.capacity$offset();
    static final long RECORDS_OFFSET = uvs_ring.rec$offset();
    static final long RECORD_SIZE = uvs_completion.sizeof();
    static final long RECORD_VSLOT_OFFSET = uvs_completion.vslot$offset();
    static final long RECORD_DESC_OFFSET = uvs_completion.desc$offset();

    private CompletionRingLayout() {
    }

    static long bytesFor(long capacity) {
        return RECORDS_OFFSET + capacity * RECORD_SIZE;
    }
}
