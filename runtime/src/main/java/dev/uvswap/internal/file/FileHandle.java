package dev.uvswap.internal.file;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.pool.PoolHandle;

/**
 * The file handle of {@code uvswap.h} (payload of a FILE or SWAPOFF descriptor): a page's
 * stored form (format and length, where a {@link PoolHandle} has them), the swap file's index
 * and the byte offset in it. Files are packed, so the offset is any byte, not a block's first.
 *
 * <pre>
 *   bits  0..1   format (PoolHandle.FMT_*)
 *   bits  2..14  stored length in bytes (1..4096)
 *   bits 15..19  swap file index
 *   bits 20..60  byte offset in the file
 * </pre>
 *
 * The methods are {@code uvs_fh_make}, {@code uvs_fh_file} and {@code uvs_fh_off} bit for bit;
 * every number is read from the header's constants (through {@link uvswap_h}), never restated,
 * and {@code DescriptorEncodingTest} checks the methods against the header's twins.
 */
public final class FileHandle {

    public static final int MAX_FILES = uvswap_h.UVS_MAX_FILES();
    public static final int FILE_BITS = uvswap_h.UVS_FH_FILE_BITS();
    public static final int FILE_SHIFT = uvswap_h.UVS_FH_FILE_SHIFT();
    public static final int OFF_SHIFT = uvswap_h.UVS_FH_OFF_SHIFT();
    /** Largest byte offset a handle can carry (41 bits, 2 TiB): the handle must fit a descriptor's payload. */
    public static final long MAX_OFFSET = (1L << (Long.SIZE - uvswap_h.UVS_DESC_TAG_BITS() - OFF_SHIFT)) - 1;
    private static final int PAGE_SHIFT = uvswap_h.UVS_PAGE_SHIFT();

    private FileHandle() {}

    /** {@code uvs_fh_make}; rejects values the C side would silently truncate. */
    public static long handle(int file, long offset, int length, int fmt) {
        if (file < 0 || file >= MAX_FILES) {
            throw new IllegalArgumentException("swap file index out of range: " + file);
        }
        if (offset < 0 || offset > MAX_OFFSET) {
            throw new IllegalArgumentException("file offset out of handle range: " + offset);
        }
        // The low 15 bits are a pool handle's format and length, checked the same way.
        long low = PoolHandle.handle(0, length, fmt);
        return (offset << OFF_SHIFT) | ((long) file << FILE_SHIFT) | low;
    }

    /** {@code uvs_fh_file}. */
    public static int file(long h) {
        return (int) ((h >>> FILE_SHIFT) & (MAX_FILES - 1));
    }

    /** {@code uvs_fh_off}. */
    public static long offset(long h) {
        return h >>> OFF_SHIFT;
    }

    /** The 4 KiB block of the file the object starts in (it may end in the next one: files are packed). */
    public static long slot(long h) {
        return offset(h) >>> PAGE_SHIFT;
    }

    public static int length(long h) {
        return PoolHandle.length(h);
    }

    public static int format(long h) {
        return PoolHandle.format(h);
    }
}
