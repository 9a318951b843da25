package dev.uvswap.internal.os;

import dev.uvswap.bindings.uvswap.uvswap_h;

/**
 * The page size the data plane works in, taken from {@code uvswap.h} (UVS_PAGE_SIZE) so Java
 * never restates it: region pages, staging pages, pool objects at most one page, file slots.
 */
public final class Pages {
    /** Bytes in a page. */
    public static final long BYTES = uvswap_h.UVS_PAGE_SIZE();
    /** log2 of {@link #BYTES}. */
    public static final int SHIFT = uvswap_h.UVS_PAGE_SHIFT();

    private Pages() {
    }
}
