package dev.uvswap.internal.codec;

import dev.uvswap.CompressionDictionary;
import dev.uvswap.DictionaryTrial;
import dev.uvswap.MemoryGroup;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapException;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.os.Mapping;
import dev.uvswap.internal.pool.CompressedPool;
import dev.uvswap.internal.pool.PoolHandle;
import dev.uvswap.internal.slot.SlotDescriptor;
import dev.uvswap.internal.slot.SlotSpace;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A frame names its dictionary, and C decodes it only with that one: a pool object whose frame
 * header is changed to name a dictionary that is not installed fails its swap-in (the page and
 * its slot stay), and once the header is right again the page comes back intact. White-box: it
 * reaches the slot space, the pool and the page map by reflection, as CSwapInRaceTest does.
 */
class DictionaryFrameTest {
    private static final long PAGE = 4096;
    private static final long PAGES = 6144;

    @Test
    void aFrameNamingAnUninstalledDictionaryIsNeverDecoded() throws Exception {
        dev.uvswap.Platform.assumeSupported();
        try (VSwap vswap = VSwap.builder().dictionaries(true).faultThreads(1).build()) {
            MemoryGroup g = vswap.createGroup("g");
            CompletableFuture<DictionaryTrial> round = g.trainDictionary();
            try (Region train = vswap.allocate(PAGES * PAGE, g, RegionOption.SMALL_PAGES);
                 Region r = vswap.allocate(64 * PAGE, g, RegionOption.SMALL_PAGES)) {
                fill(train.segment(), PAGES);
                train.pageOut(0, train.size());
                DictionaryTrial t = round.get(5, TimeUnit.MINUTES);
                CompressionDictionary d = g.dictionary().orElseThrow(() -> new AssertionError(t.toString()));
                fill(r.segment(), 64);
                byte[] page0 = r.segment().asSlice(0, PAGE).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(64, r.pageOut(0, r.size()));

                long vslot = pagemap(r).getAtIndex(ValueLayout.JAVA_LONG, 0) >>> uvswap_h.UVS_PM_SHIFT();
                long desc = slots(vswap).descriptorAcquire(vslot);
                assertEquals(SlotDescriptor.TAG_ZSWAP, SlotDescriptor.tag(desc), SlotDescriptor.describe(desc));
                long h = SlotDescriptor.payload(desc);
                assertEquals(PoolHandle.FMT_ZSTD, PoolHandle.format(h));
                MemorySegment frame = pool(vswap).area().asSlice(PoolHandle.offset(h), PoolHandle.length(h));
                long at = dictIdOffset(frame);
                assertTrue(at > 0, "the frame names a dictionary");
                int width = dictIdWidth(frame);
                assertEquals(Integer.toUnsignedLong(d.id()), readLe(frame, at, width), "it names the group's");

                byte saved = frame.get(ValueLayout.JAVA_BYTE, at);
                frame.set(ValueLayout.JAVA_BYTE, at, (byte) (saved ^ 0x5A));   // now another id, not installed
                VSwapException e = assertThrows(VSwapException.class, () -> r.prefault(0, PAGE));
                assertEquals(desc, slots(vswap).descriptorAcquire(vslot), "the slot still names the object: " + e.getMessage());
                frame.set(ValueLayout.JAVA_BYTE, at, saved);
                for (long p = 0; p < 64; p++) {
                    final long pp = p;
                    try {
                        r.prefault(p * PAGE, PAGE);
                    } catch (VSwapException x) {
                        System.out.println("page " + pp + " failed: " + x + " " + vswap.stats());
                    }
                }
                assertArrayEquals(page0, r.segment().asSlice(0, PAGE).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    /** Offset of the Dictionary_ID field in a zstd frame header (RFC 8878 §3.1.1.1), or -1 if it has none. */
    private static long dictIdOffset(MemorySegment f) {
        assertEquals(0xFD2FB528, f.get(ValueLayout.JAVA_INT_UNALIGNED, 0), "a zstd frame");
        int fhd = f.get(ValueLayout.JAVA_BYTE, 4) & 0xFF;
        if ((fhd & 3) == 0) {
            return -1;
        }
        boolean singleSegment = (fhd & 0x20) != 0;
        return 5 + (singleSegment ? 0 : 1);
    }

    private static int dictIdWidth(MemorySegment f) {
        return new int[] {0, 1, 2, 4}[f.get(ValueLayout.JAVA_BYTE, 4) & 3];
    }

    private static long readLe(MemorySegment f, long at, int width) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            v |= (long) (f.get(ValueLayout.JAVA_BYTE, at + i) & 0xFF) << (8 * i);
        }
        return v;
    }

    private static void fill(MemorySegment seg, long pages) {
        dev.uvswap.RecordPages.JSON.fill(seg, pages, 11);
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    private static SlotSpace slots(VSwap vswap) throws ReflectiveOperationException {
        return (SlotSpace) field(vswap, "slots");
    }

    private static CompressedPool pool(VSwap vswap) throws ReflectiveOperationException {
        return (CompressedPool) field(vswap, "pool");
    }

    private static MemorySegment pagemap(Region r) throws ReflectiveOperationException {
        Method m = r.getClass().getDeclaredMethod("pagemap");
        m.setAccessible(true);
        return ((Mapping) m.invoke(r)).segment();
    }
}
