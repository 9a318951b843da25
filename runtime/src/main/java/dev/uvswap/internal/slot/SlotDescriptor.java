package dev.uvswap.internal.slot;

/**
 * The slot descriptor word of {@code uvswap.h}: tag in the low 3 bits, payload above.
 * {@link #tag}, {@link #payload} and {@link #make} are {@code uvs_desc_tag},
 * {@code uvs_desc_payload} and {@code uvs_desc_make} bit for bit.
 */
public final class SlotDescriptor {

    public static final int TAG_BITS = 3;
    public static final long TAG_MASK = (1L << TAG_BITS) - 1;
    /** Largest payload a descriptor can carry: 61 bits. */
    public static final long MAX_PAYLOAD = -1L >>> TAG_BITS;

    /** Free slot, or allocated and not yet published. */
    public static final long TAG_NONE = 0;
    /** All-zero page: nothing stored. */
    public static final long TAG_ZERO = 1;
    /** Object in the compressed pool; payload is a pool handle. */
    public static final long TAG_ZSWAP = 2;
    /** Slot in a swap file; payload is a file handle. */
    public static final long TAG_FILE = 3;
    /** Page parked in the staging area; payload is the staging page index. */
    public static final long TAG_CACHE = 4;
    /** Claimed by C code mid-transition; the holder never waits on Java. */
    public static final long TAG_BUSY = 5;
    /** ZSWAP with a writeback in flight (payload: the pool handle); served as ZSWAP, moved on only by its writer. */
    public static final long TAG_WRITEBACK = 6;
    /** FILE whose file is being retired (payload: the file handle); served as FILE, moved on only by the retirer. */
    public static final long TAG_SWAPOFF = 7;

    /** The word of a free slot. */
    public static final long NONE = 0;

    private SlotDescriptor() {}

    public static long tag(long d) {
        return d & TAG_MASK;
    }

    public static long payload(long d) {
        return d >>> TAG_BITS;
    }

    public static long make(long tag, long payload) {
        if ((tag & ~TAG_MASK) != 0) {
            throw new IllegalArgumentException("descriptor tag out of range: " + tag);
        }
        if ((payload & ~MAX_PAYLOAD) != 0) {
            throw new IllegalArgumentException("descriptor payload wider than 61 bits: " + Long.toHexString(payload));
        }
        return (payload << TAG_BITS) | tag;
    }
}
