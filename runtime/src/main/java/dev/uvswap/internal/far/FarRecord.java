package dev.uvswap.internal.far;

import dev.uvswap.bindings.uvswap.uvs_far_rec;
import dev.uvswap.bindings.uvswap.uvswap_h;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The far tier's value format, {@code struct uvs_far_rec} of uvswap.h then the page's stored
 * form: what C's uvs_far_read checks before it decodes a byte. Field offsets come from the
 * generated layout (LayoutTest checks it against gcc); the byte order is little-endian, as C
 * reads the header in place.
 */
final class FarRecord {
    static final int BYTES = (int) uvs_far_rec.sizeof();
    static final int MAGIC = uvswap_h.UVS_FAR_MAGIC();
    private static final int MAGIC_AT = (int) uvs_far_rec.magic$offset();
    private static final int LEN_AT = (int) uvs_far_rec.len$offset();
    private static final int TAG_AT = (int) uvs_far_rec.tag$offset();
    private static final int ID_AT = (int) uvs_far_rec.id$offset();
    private static final int CRC_AT = (int) uvs_far_rec.crc$offset();
    private static final int FMT_AT = (int) uvs_far_rec.fmt$offset();

    private final ByteBuffer header = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();
    private final byte[] page = new byte[(int) uvswap_h.UVS_PAGE_SIZE()];

    /** The header for {@code len} stored bytes at {@code offset} of {@code seg}; valid until the next call. */
    byte[] header(long tag, long id, MemorySegment seg, long offset, int len, int fmt) {
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, offset, page, 0, len);
        crc.reset();
        crc.update(page, 0, len);
        header.putInt(MAGIC_AT, MAGIC).putInt(LEN_AT, len).putLong(TAG_AT, tag).putLong(ID_AT, id)
                .putInt(CRC_AT, (int) crc.getValue()).putInt(FMT_AT, fmt);
        return header.array();
    }

    /** The stored bytes {@link #header} last read: the value's body, without a second copy. */
    byte[] body() {
        return page;
    }

    /**
     * Why {@code value} is not this tier's object {@code id} of {@code len} bytes in format
     * {@code fmt}, intact; null when it is.
     */
    static String check(byte[] value, long tag, long id, int len, int fmt) {
        if (value == null) {
            return "missing";
        }
        if (value.length != BYTES + len) {
            return "holds " + value.length + " bytes, not " + (BYTES + len);
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(MAGIC_AT) != MAGIC || b.getLong(TAG_AT) != tag || b.getLong(ID_AT) != id
                || b.getInt(LEN_AT) != len || b.getInt(FMT_AT) != fmt) {
            return "names another object";
        }
        CRC32C c = new CRC32C();
        c.update(value, BYTES, len);
        if ((int) c.getValue() != b.getInt(CRC_AT)) {
            return "fails its CRC-32C";
        }
        return null;
    }
}
