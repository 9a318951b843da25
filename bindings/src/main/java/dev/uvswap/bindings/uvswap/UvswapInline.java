package dev.uvswap.bindings.uvswap;

/**
 * Hand-written: Java twins of {@code native/include/uvswap.h}'s {@code static inline} helpers, which have no
 * symbol for jextract to bind.  Unsigned shifts, as C's on {@code uint64_t}; the constants are
 * {@link uvswap_h}'s.  LayoutTest compares each with the C version, compiled by gcc, on sample values.
 */
public final class UvswapInline {

    private UvswapInline() {}

    private static final int PM_SHIFT = uvswap_h.UVS_PM_SHIFT();
    private static final long PM_BUSY = uvswap_h.UVS_PM_BUSY();
    private static final long DESC_TAG_MASK = uvswap_h.UVS_DESC_TAG_MASK();
    private static final int DESC_TAG_BITS = uvswap_h.UVS_DESC_TAG_BITS();
    private static final int HANDLE_FMT_BITS = uvswap_h.UVS_HANDLE_FMT_BITS();
    private static final int HANDLE_LEN_BITS = uvswap_h.UVS_HANDLE_LEN_BITS();
    private static final int HANDLE_OFF_SHIFT = uvswap_h.UVS_HANDLE_OFF_SHIFT();
    private static final int FH_FILE_SHIFT = uvswap_h.UVS_FH_FILE_SHIFT();
    private static final int FH_OFF_SHIFT = uvswap_h.UVS_FH_OFF_SHIFT();
    private static final long MAX_FILES = uvswap_h.UVS_MAX_FILES();
    private static final long UNIT_LEN_BASE = uvswap_h.UVS_UNIT_LEN_BASE();

    /** C: {@code static inline uint64_t uvs_pm_from_vslot(uint64_t vslot)} */
    public static long uvs_pm_from_vslot(long vslot) {
        return vslot << PM_SHIFT;
    }

    /** C: {@code static inline uint64_t uvs_pm_to_vslot(uint64_t pm)} */
    public static long uvs_pm_to_vslot(long pm) {
        return pm >>> PM_SHIFT;
    }

    /** C: {@code static inline int uvs_pm_busy(uint64_t pm)} (a {@code boolean} here) */
    public static boolean uvs_pm_busy(long pm) {
        return (pm & PM_BUSY) != 0;
    }

    /** C: {@code static inline uint64_t uvs_desc_tag(uint64_t d)} */
    public static long uvs_desc_tag(long d) {
        return d & DESC_TAG_MASK;
    }

    /** C: {@code static inline uint64_t uvs_desc_payload(uint64_t d)} */
    public static long uvs_desc_payload(long d) {
        return d >>> DESC_TAG_BITS;
    }

    /** C: {@code static inline uint64_t uvs_desc_make(uint64_t tag, uint64_t payload)} */
    public static long uvs_desc_make(long tag, long payload) {
        return (payload << DESC_TAG_BITS) | tag;
    }

    /** C: {@code static inline uint64_t uvs_handle_make(uint64_t off, uint64_t len, uint64_t fmt)} */
    public static long uvs_handle_make(long off, long len, long fmt) {
        return (off << HANDLE_OFF_SHIFT) | (len << HANDLE_FMT_BITS) | fmt;
    }

    /** C: {@code static inline uint64_t uvs_handle_fmt(uint64_t h)} */
    public static long uvs_handle_fmt(long h) {
        return h & ((1L << HANDLE_FMT_BITS) - 1);
    }

    /** C: {@code static inline uint64_t uvs_handle_len(uint64_t h)} */
    public static long uvs_handle_len(long h) {
        return (h >>> HANDLE_FMT_BITS) & ((1L << HANDLE_LEN_BITS) - 1);
    }

    /** C: {@code static inline uint64_t uvs_handle_off(uint64_t h)} */
    public static long uvs_handle_off(long h) {
        return h >>> HANDLE_OFF_SHIFT;
    }

    /** C: {@code static inline int uvs_handle_is_unit(uint64_t h)} (a {@code boolean} here) */
    public static boolean uvs_handle_is_unit(long h) {
        return uvs_handle_len(h) >= UNIT_LEN_BASE;
    }

    /** C: {@code static inline uint64_t uvs_handle_unit_page(uint64_t h)} */
    public static long uvs_handle_unit_page(long h) {
        return uvs_handle_len(h) - UNIT_LEN_BASE;
    }

    /** C: {@code static inline uint64_t uvs_fh_make(uint64_t file, uint64_t off, uint64_t len, uint64_t fmt)} */
    public static long uvs_fh_make(long file, long off, long len, long fmt) {
        return (off << FH_OFF_SHIFT) | (file << FH_FILE_SHIFT) | (len << HANDLE_FMT_BITS) | fmt;
    }

    /** C: {@code static inline uint64_t uvs_fh_file(uint64_t h)} */
    public static long uvs_fh_file(long h) {
        return (h >>> FH_FILE_SHIFT) & (MAX_FILES - 1);
    }

    /** C: {@code static inline uint64_t uvs_fh_off(uint64_t h)} */
    public static long uvs_fh_off(long h) {
        return h >>> FH_OFF_SHIFT;
    }
}
