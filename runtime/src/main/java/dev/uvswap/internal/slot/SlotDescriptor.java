package dev.uvswap.internal.slot;

import dev.uvswap.bindings.uvswap.uvswap_h;

/**
 * The slot descriptor word of {@code uvswap.h}: tag in the low {@code UVS_DESC_TAG_BITS} bits,
 * payload above.  {@link #tag}, {@link #payload} and {@link #make} are {@code uvs_desc_tag},
 * {@code uvs_desc_payload} and {@code uvs_desc_make} bit for bit; every number here is read from
 * the header's constants (through {@link uvswap_h}, which {@code LayoutTest} holds to gcc), never
 * restated, and {@code DescriptorEncodingTest} checks the methods against the header's twins.
 *
 * <p>The tags, what their payloads mean and who may set them: {@link SlotTag}, docs/slots.md.
 */
public final class SlotDescriptor {

    public static final int TAG_BITS = uvswap_h.UVS_DESC_TAG_BITS();
    public static final long TAG_MASK = uvswap_h.UVS_DESC_TAG_MASK();
    /** Largest payload a descriptor can carry: 61 bits. */
    public static final long MAX_PAYLOAD = -1L >>> TAG_BITS;

    /** Free slot, or allocated and not yet published. */
    public static final long TAG_NONE = uvswap_h.UVS_TAG_NONE();
    /** All-zero page: nothing stored. */
    public static final long TAG_ZERO = uvswap_h.UVS_TAG_ZERO();
    /** Object in the compressed pool; payload is a pool handle. */
    public static final long TAG_ZSWAP = uvswap_h.UVS_TAG_ZSWAP();
    /** Slot in a swap file; payload is a file handle. */
    public static final long TAG_FILE = uvswap_h.UVS_TAG_FILE();
    /** Page parked in the staging area; payload is the staging page index. */
    public static final long TAG_CACHE = uvswap_h.UVS_TAG_CACHE();
    /** Claimed by C code mid-transition (payload: the tag it replaced); the holder never waits on Java. */
    public static final long TAG_BUSY = uvswap_h.UVS_TAG_BUSY();
    /** ZSWAP with a writeback in flight (payload: the pool handle); served as ZSWAP, moved on only by its writer. */
    public static final long TAG_WRITEBACK = uvswap_h.UVS_TAG_WRITEBACK();
    /** FILE whose file is being retired (payload: the file handle); served as FILE, moved on only by the retirer. */
    public static final long TAG_SWAPOFF = uvswap_h.UVS_TAG_SWAPOFF();

    /** The word of a free slot: NONE with payload 0. */
    public static final long NONE = make(TAG_NONE, 0);

    private SlotDescriptor() {}

    /** {@code uvs_desc_tag}. */
    public static long tag(long d) {
        return d & TAG_MASK;
    }

    /** {@code uvs_desc_payload}. */
    public static long payload(long d) {
        return d >>> TAG_BITS;
    }

    /** {@code uvs_desc_make}; rejects values the C side would silently truncate. */
    public static long make(long tag, long payload) {
        if ((tag & ~TAG_MASK) != 0) {
            throw new IllegalArgumentException("descriptor tag out of range: " + tag);
        }
        if ((payload & ~MAX_PAYLOAD) != 0) {
            throw new IllegalArgumentException("descriptor payload wider than " + (Long.SIZE - TAG_BITS)
                    + " bits: " + Long.toHexString(payload));
        }
        return (payload << TAG_BITS) | tag;
    }

    /** {@code ZERO}: an all-zero page. */
    public static long zero() {
        return make(TAG_ZERO, 0);
    }

    /** {@code ZSWAP(poolHandle)}. */
    public static long zswap(long poolHandle) {
        return make(TAG_ZSWAP, poolHandle);
    }

    /** {@code FILE(fileHandle)}. */
    public static long file(long fileHandle) {
        return make(TAG_FILE, fileHandle);
    }

    /** {@code CACHE(stagingPage)}. */
    public static long cache(long stagingPage) {
        return make(TAG_CACHE, stagingPage);
    }

    /** {@code BUSY(replacedTag)}: what a C claim leaves in the word (uvs_fault.c claim_desc). */
    public static long busy(long replacedTag) {
        return make(TAG_BUSY, replacedTag);
    }

    /** {@code WRITEBACK(poolHandle)}. */
    public static long writeback(long poolHandle) {
        return make(TAG_WRITEBACK, poolHandle);
    }

    /** {@code SWAPOFF(fileHandle)}. */
    public static long swapoff(long fileHandle) {
        return make(TAG_SWAPOFF, fileHandle);
    }

    /** For messages: {@code ZSWAP(0x1234)}. */
    public static String describe(long d) {
        return SlotTag.of(d) + "(0x" + Long.toHexString(payload(d)) + ")";
    }
}
