package dev.uvswap.internal.slot;

import dev.uvswap.bindings.uvswap.uvswap_h;

/**
 * The eight descriptor tags of {@code enum uvs_desc_tag}, for {@code switch}: each constant's
 * {@link #value} is read from the header, and {@link #of} maps a descriptor word back.
 */
public enum SlotTag {
    NONE(uvswap_h.UVS_TAG_NONE()),
    ZERO(uvswap_h.UVS_TAG_ZERO()),
    ZSWAP(uvswap_h.UVS_TAG_ZSWAP()),
    FILE(uvswap_h.UVS_TAG_FILE()),
    CACHE(uvswap_h.UVS_TAG_CACHE()),
    BUSY(uvswap_h.UVS_TAG_BUSY()),
    WRITEBACK(uvswap_h.UVS_TAG_WRITEBACK()),
    SWAPOFF(uvswap_h.UVS_TAG_SWAPOFF());

    private static final SlotTag[] BY_VALUE = new SlotTag[1 << uvswap_h.UVS_DESC_TAG_BITS()];

    static {
        for (SlotTag t : values()) {
            if (BY_VALUE[(int) t.value] != null) {
                throw new ExceptionInInitializerError("two tags with value " + t.value);
            }
            BY_VALUE[(int) t.value] = t;
        }
    }

    /** The tag's value in the low bits of a descriptor. */
    public final long value;

    SlotTag(long value) {
        this.value = value;
    }

    /** The tag of descriptor word {@code d}. */
    public static SlotTag of(long d) {
        return BY_VALUE[(int) SlotDescriptor.tag(d)];
    }
}
