package dev.uvswap.internal.slot;

import dev.uvswap.bindings.uvswap.UvswapInline;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.pool.PoolHandle;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime's encoding classes ({@link SlotDescriptor}, {@link SlotTag}, {@link PoolHandle},
 * {@link FileHandle}) against the header: their constants against {@code uvswap_h}'s (which
 * {@code LayoutTest} holds to gcc), their methods against the Java twins of the header's
 * {@code static inline} helpers, over edge values and random ones.  Any drift between the
 * classes Java uses and the words C reads fails here.
 */
class DescriptorEncodingTest {

    private static final int RANDOM_VALUES = 200_000;
    private static final long SEED = Long.getLong("uvswap.encoding.seed", System.nanoTime());

    /** Words every decoder must agree on: all bits, none, each single bit, each field's edges. */
    private static long[] edgeWords() {
        Set<Long> w = new HashSet<>();
        w.add(0L);
        w.add(-1L);
        w.add(Long.MIN_VALUE);
        w.add(Long.MAX_VALUE);
        for (int b = 0; b < Long.SIZE; b++) {
            w.add(1L << b);
            w.add(~(1L << b));
            w.add((1L << b) - 1);
            w.add(-1L << b);
        }
        return w.stream().mapToLong(Long::longValue).toArray();
    }

    private static LongStream words() {
        SplittableRandom r = new SplittableRandom(SEED);
        return LongStream.concat(LongStream.of(edgeWords()), r.longs(RANDOM_VALUES));
    }

    @Test
    void descriptorConstantsAreTheHeaders() {
        assertEquals(uvswap_h.UVS_DESC_TAG_BITS(), SlotDescriptor.TAG_BITS);
        assertEquals(uvswap_h.UVS_DESC_TAG_MASK(), SlotDescriptor.TAG_MASK);
        assertEquals((1L << uvswap_h.UVS_DESC_TAG_BITS()) - 1, SlotDescriptor.TAG_MASK);
        assertEquals(uvswap_h.UVS_TAG_NONE(), SlotDescriptor.TAG_NONE);
        assertEquals(uvswap_h.UVS_TAG_ZERO(), SlotDescriptor.TAG_ZERO);
        assertEquals(uvswap_h.UVS_TAG_ZSWAP(), SlotDescriptor.TAG_ZSWAP);
        assertEquals(uvswap_h.UVS_TAG_FILE(), SlotDescriptor.TAG_FILE);
        assertEquals(uvswap_h.UVS_TAG_CACHE(), SlotDescriptor.TAG_CACHE);
        assertEquals(uvswap_h.UVS_TAG_BUSY(), SlotDescriptor.TAG_BUSY);
        assertEquals(uvswap_h.UVS_TAG_WRITEBACK(), SlotDescriptor.TAG_WRITEBACK);
        assertEquals(uvswap_h.UVS_TAG_SWAPOFF(), SlotDescriptor.TAG_SWAPOFF);
        assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_NONE(), 0), SlotDescriptor.NONE);
        // The largest payload is the largest that survives make → payload in C.
        assertEquals(SlotDescriptor.MAX_PAYLOAD,
                UvswapInline.uvs_desc_payload(UvswapInline.uvs_desc_make(0, SlotDescriptor.MAX_PAYLOAD)));
        assertNotEquals(SlotDescriptor.MAX_PAYLOAD + 1,
                UvswapInline.uvs_desc_payload(UvswapInline.uvs_desc_make(0, SlotDescriptor.MAX_PAYLOAD + 1)));
    }

    @Test
    void slotTagsAreTheHeadersEnumOneForEachValue() {
        int[] header = {uvswap_h.UVS_TAG_NONE(), uvswap_h.UVS_TAG_ZERO(), uvswap_h.UVS_TAG_ZSWAP(),
                uvswap_h.UVS_TAG_FILE(), uvswap_h.UVS_TAG_CACHE(), uvswap_h.UVS_TAG_BUSY(),
                uvswap_h.UVS_TAG_WRITEBACK(), uvswap_h.UVS_TAG_SWAPOFF()};
        SlotTag[] names = {SlotTag.NONE, SlotTag.ZERO, SlotTag.ZSWAP, SlotTag.FILE, SlotTag.CACHE,
                SlotTag.BUSY, SlotTag.WRITEBACK, SlotTag.SWAPOFF};
        for (int i = 0; i < header.length; i++) {
            assertEquals(header[i], names[i].value, names[i].name());
        }
        // Every value a tag field can hold names exactly one tag, so SlotTag.of is total.
        EnumSet<SlotTag> seen = EnumSet.noneOf(SlotTag.class);
        for (long v = 0; v <= SlotDescriptor.TAG_MASK; v++) {
            SlotTag t = SlotTag.of(UvswapInline.uvs_desc_make(v, 12345));
            assertEquals(v, t.value);
            assertTrue(seen.add(t), "two values for " + t);
        }
        assertEquals(EnumSet.allOf(SlotTag.class), seen);
        words().forEach(d -> assertEquals(UvswapInline.uvs_desc_tag(d), SlotTag.of(d).value, () -> msg(d)));
    }

    @Test
    void descriptorMethodsAreTheHeadersHelpers() {
        words().forEach(d -> {
            assertEquals(UvswapInline.uvs_desc_tag(d), SlotDescriptor.tag(d), () -> msg(d));
            assertEquals(UvswapInline.uvs_desc_payload(d), SlotDescriptor.payload(d), () -> msg(d));
            long tag = SlotDescriptor.tag(d);
            long payload = SlotDescriptor.payload(d);
            assertEquals(UvswapInline.uvs_desc_make(tag, payload), SlotDescriptor.make(tag, payload), () -> msg(d));
            assertEquals(d, SlotDescriptor.make(tag, payload), () -> msg(d));
        });
        // The named makers are make() of their tag.
        words().limit(10_000).map(w -> w >>> SlotDescriptor.TAG_BITS).forEach(p -> {
            assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_ZSWAP(), p), SlotDescriptor.zswap(p));
            assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_FILE(), p), SlotDescriptor.file(p));
            assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_CACHE(), p), SlotDescriptor.cache(p));
            assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_WRITEBACK(), p), SlotDescriptor.writeback(p));
            assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_SWAPOFF(), p), SlotDescriptor.swapoff(p));
        });
        assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_ZERO(), 0), SlotDescriptor.zero());
        for (long t = 0; t <= SlotDescriptor.TAG_MASK; t++) {
            assertEquals(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_BUSY(), t), SlotDescriptor.busy(t));
        }
        // What C would truncate, Java refuses.
        assertThrows(IllegalArgumentException.class, () -> SlotDescriptor.make(SlotDescriptor.TAG_MASK + 1, 0));
        assertThrows(IllegalArgumentException.class, () -> SlotDescriptor.make(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> SlotDescriptor.make(0, SlotDescriptor.MAX_PAYLOAD + 1));
    }

    @Test
    void poolHandleConstantsAreTheHeaders() {
        assertEquals(uvswap_h.UVS_FMT_RAW(), PoolHandle.FMT_RAW);
        assertEquals(uvswap_h.UVS_FMT_ZSTD(), PoolHandle.FMT_ZSTD);
        assertEquals(uvswap_h.UVS_FMT_LZ4(), PoolHandle.FMT_LZ4);
        assertEquals(uvswap_h.UVS_FMT_FILL(), PoolHandle.FMT_FILL);
        assertEquals(uvswap_h.UVS_HANDLE_FMT_BITS(), PoolHandle.FMT_BITS);
        assertEquals(uvswap_h.UVS_HANDLE_LEN_BITS(), PoolHandle.LEN_BITS);
        assertEquals(uvswap_h.UVS_HANDLE_OFF_SHIFT(), PoolHandle.OFF_SHIFT);
        // MAX_OFFSET is the largest offset whose handle survives a trip through a descriptor.
        long widest = UvswapInline.uvs_handle_make(PoolHandle.MAX_OFFSET, 1, 0);
        assertEquals(PoolHandle.MAX_OFFSET, UvswapInline.uvs_handle_off(
                UvswapInline.uvs_desc_payload(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_ZSWAP(), widest))));
        long tooWide = UvswapInline.uvs_handle_make(PoolHandle.MAX_OFFSET + 1, 1, 0);
        assertNotEquals(PoolHandle.MAX_OFFSET + 1, UvswapInline.uvs_handle_off(
                UvswapInline.uvs_desc_payload(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_ZSWAP(), tooWide))));
    }

    @Test
    void poolHandleMethodsAreTheHeadersHelpers() {
        words().forEach(h -> {
            assertEquals(UvswapInline.uvs_handle_off(h), PoolHandle.offset(h), () -> msg(h));
            assertEquals(UvswapInline.uvs_handle_len(h), PoolHandle.length(h), () -> msg(h));
            assertEquals(UvswapInline.uvs_handle_fmt(h), PoolHandle.format(h), () -> msg(h));
        });
        SplittableRandom r = new SplittableRandom(SEED);
        long[] edgeOffsets = {0, 1, 32, 65535, 65536, PoolHandle.MAX_OFFSET - 1, PoolHandle.MAX_OFFSET};
        int[] edgeLengths = {1, 2, 8, 4095, 4096};
        for (int i = 0; i < RANDOM_VALUES; i++) {
            long off = i < edgeOffsets.length ? edgeOffsets[i] : r.nextLong(PoolHandle.MAX_OFFSET + 1);
            int len = i < edgeLengths.length ? edgeLengths[i] : r.nextInt(1, 4097);
            int fmt = r.nextInt(1 << PoolHandle.FMT_BITS);
            long h = PoolHandle.handle(off, len, fmt);
            assertEquals(UvswapInline.uvs_handle_make(off, len, fmt), h, () -> msg(h));
            assertEquals(off, UvswapInline.uvs_handle_off(h));
            assertEquals(len, UvswapInline.uvs_handle_len(h));
            assertEquals(fmt, UvswapInline.uvs_handle_fmt(h));
            assertEquals(h, SlotDescriptor.payload(SlotDescriptor.zswap(h)), "fits a descriptor");
        }
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(PoolHandle.MAX_OFFSET + 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(-1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(0, 4097, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolHandle.handle(0, 1, 1 << PoolHandle.FMT_BITS));
    }

    @Test
    void fileHandleConstantsAreTheHeaders() {
        assertEquals(uvswap_h.UVS_MAX_FILES(), FileHandle.MAX_FILES);
        assertEquals(uvswap_h.UVS_FH_FILE_BITS(), FileHandle.FILE_BITS);
        assertEquals(uvswap_h.UVS_FH_FILE_SHIFT(), FileHandle.FILE_SHIFT);
        assertEquals(uvswap_h.UVS_FH_OFF_SHIFT(), FileHandle.OFF_SHIFT);
        assertEquals(1 << FileHandle.FILE_BITS, FileHandle.MAX_FILES, "every file index fits its field");
        long widest = UvswapInline.uvs_fh_make(FileHandle.MAX_FILES - 1, FileHandle.MAX_OFFSET, 1, 0);
        assertEquals(FileHandle.MAX_OFFSET, UvswapInline.uvs_fh_off(
                UvswapInline.uvs_desc_payload(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_FILE(), widest))));
        long tooWide = UvswapInline.uvs_fh_make(0, FileHandle.MAX_OFFSET + 1, 1, 0);
        assertNotEquals(FileHandle.MAX_OFFSET + 1, UvswapInline.uvs_fh_off(
                UvswapInline.uvs_desc_payload(UvswapInline.uvs_desc_make(uvswap_h.UVS_TAG_FILE(), tooWide))));
    }

    @Test
    void fileHandleMethodsAreTheHeadersHelpers() {
        words().forEach(h -> {
            assertEquals(UvswapInline.uvs_fh_file(h), FileHandle.file(h), () -> msg(h));
            assertEquals(UvswapInline.uvs_fh_off(h), FileHandle.offset(h), () -> msg(h));
            assertEquals(UvswapInline.uvs_fh_off(h) >>> uvswap_h.UVS_PAGE_SHIFT(), FileHandle.slot(h), () -> msg(h));
            // Format and length sit where a pool handle has them.
            assertEquals(UvswapInline.uvs_handle_len(h), FileHandle.length(h), () -> msg(h));
            assertEquals(UvswapInline.uvs_handle_fmt(h), FileHandle.format(h), () -> msg(h));
        });
        SplittableRandom r = new SplittableRandom(SEED);
        long[] edgeOffsets = {0, 4096, FileHandle.MAX_OFFSET & -4096L, FileHandle.MAX_OFFSET};
        for (int i = 0; i < RANDOM_VALUES; i++) {
            int file = i == 0 ? 0 : i == 1 ? FileHandle.MAX_FILES - 1 : r.nextInt(FileHandle.MAX_FILES);
            long off = i < edgeOffsets.length ? edgeOffsets[i] : r.nextLong(FileHandle.MAX_OFFSET + 1);
            int len = i < 2 ? (i == 0 ? 1 : 4096) : r.nextInt(1, 4097);
            int fmt = r.nextInt(1 << PoolHandle.FMT_BITS);
            long h = FileHandle.handle(file, off, len, fmt);
            assertEquals(UvswapInline.uvs_fh_make(file, off, len, fmt), h, () -> msg(h));
            assertEquals(file, UvswapInline.uvs_fh_file(h));
            assertEquals(off, UvswapInline.uvs_fh_off(h));
            assertEquals(h, SlotDescriptor.payload(SlotDescriptor.file(h)), "fits a descriptor");
        }
        assertThrows(IllegalArgumentException.class, () -> FileHandle.handle(FileHandle.MAX_FILES, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> FileHandle.handle(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> FileHandle.handle(0, FileHandle.MAX_OFFSET + 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> FileHandle.handle(0, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> FileHandle.handle(0, 0, 4097, 0));
    }

    private static String msg(long w) {
        return "word 0x" + Long.toHexString(w) + " (seed " + SEED + ", -Duvswap.encoding.seed to repeat)";
    }
}
