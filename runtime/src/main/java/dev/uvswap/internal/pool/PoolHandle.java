package dev.uvswap.internal.pool;

import dev.uvswap.bindings.uvswap.uvswap_h;

/**
 * The pool handle of {@code uvswap.h} (payload of a ZSWAP descriptor): where an object's bytes
 * are, so the fault servers read them without asking Java.
 *
 * <pre>
 *   bits  0..1   format (FMT_*)
 *   bits  2..14  stored length in bytes (1..4096)
 *   bits 15..60  byte offset from the pool area's start
 * </pre>
 *
 * The methods are {@code uvs_handle_make}, {@code uvs_handle_fmt}, {@code uvs_handle_len} and
 * {@code uvs_handle_off} bit for bit; a handle uses 61 bits so that a descriptor can shift it
 * left by the 3 tag bits without losing any.  Every number is read from the header's constants
 * (through {@link uvswap_h}), never restated; {@code DescriptorEncodingTest} checks the methods
 * against the header's twins.
 */
public final class PoolHandle {

    public static final int FMT_RAW = uvswap_h.UVS_FMT_RAW();
    public static final int FMT_ZSTD = uvswap_h.UVS_FMT_ZSTD();
    public static final int FMT_LZ4 = uvswap_h.UVS_FMT_LZ4();
    public static final int FMT_FILL = uvswap_h.UVS_FMT_FILL();

    public static final int FMT_BITS = uvswap_h.UVS_HANDLE_FMT_BITS();
    public static final int LEN_BITS = uvswap_h.UVS_HANDLE_LEN_BITS();
    public static final int OFF_SHIFT = uvswap_h.UVS_HANDLE_OFF_SHIFT();
    /** Largest offset a handle can carry (46 bits): the handle must fit a descriptor's payload. */
    public static final long MAX_OFFSET = (1L << (Long.SIZE - uvswap_h.UVS_DESC_TAG_BITS() - OFF_SHIFT)) - 1;

    private static final long FMT_MASK = (1L << FMT_BITS) - 1;
    private static final long LEN_MASK = (1L << LEN_BITS) - 1;

    private PoolHandle() {}

    /** {@code uvs_handle_make}; rejects values the C side would silently truncate. */
    public static long handle(long offset, int length, int fmt) {
        if (offset < 0 || offset > MAX_OFFSET) {
            throw new IllegalArgumentException("pool offset out of handle range: " + offset);
        }
        if (length < 1 || length > CompressedPool.MAX_OBJECT_BYTES) {
            throw new IllegalArgumentException("pool object length out of range: " + length);
        }
        if ((fmt & ~FMT_MASK) != 0) {
            throw new IllegalArgumentException("pool format out of range: " + fmt);
        }
        return (offset << OFF_SHIFT) | ((long) length << FMT_BITS) | fmt;
    }

    /** {@code uvs_handle_off}. */
    public static long offset(long h) {
        return h >>> OFF_SHIFT;
    }

    /** {@code uvs_handle_len}. */
    public static int length(long h) {
        return (int) ((h >>> FMT_BITS) & LEN_MASK);
    }

    /** {@code uvs_handle_fmt}. */
    public static int format(long h) {
        return (int) (h & FMT_MASK);
    }
}
