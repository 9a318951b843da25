package dev.uvswap.examples.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uvswap.FaultMode;
import dev.uvswap.MemoryGroup;
import dev.uvswap.VSwap;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.BufferLedger;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The factory's placement (slabs, regions), its bookkeeping, and a swap round trip of Arrow buffers. */
class UvswapAllocationFactoryTest {

    private static final long MIB = 1L << 20;

    private VSwap vswap;
    private MemoryGroup group;
    private UvswapAllocationFactory factory;
    private BufferAllocator root;

    @BeforeEach
    void open() {
        open(FaultMode.SERVER_THREADS);
    }

    private void open(FaultMode mode) {
        close();
        vswap = VSwap.builder().faultMode(mode).faultThreads(1).build();
        group = vswap.createGroup("test");
        factory = UvswapAllocationManager.factory(vswap, group);
        root = new RootAllocator(RootAllocator.configBuilder().allocationManagerFactory(factory).build());
    }

    @AfterEach
    void close() {
        if (root != null) {
            root.close();   // fails on a leak
            assertEquals(0, factory.usage().openRegions());
            assertEquals(0, factory.usage().usedSlots());
            factory.close();
            vswap.close();
            root = null;
        }
    }

    private static Backing backing(ArrowBuf buf) {
        var manager = ((BufferLedger) buf.getReferenceManager()).getAllocationManager();
        return assertInstanceOf(UvswapAllocationManager.class, manager).backing();
    }

    @Test
    void smallBuffersShareSlabsOfTheirSizeClass() {
        List<ArrowBuf> bufs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            bufs.add(root.buffer(3000));   // Arrow rounds to 4096; 512 slots a slab
        }
        var u = factory.usage();
        assertEquals(2, u.slabsMade());
        assertEquals(0, u.regionAllocations());
        assertEquals(1000, u.usedSlots());
        TreeMap<Long, Long> spans = new TreeMap<>();
        for (ArrowBuf b : bufs) {
            Backing.SlabSlot slot = assertInstanceOf(Backing.SlabSlot.class, backing(b));
            assertEquals(4096, slot.capacity());
            assertEquals(slot.address(), b.memoryAddress());
            spans.put(b.memoryAddress(), b.memoryAddress() + b.capacity());
        }
        long end = 0;   // no two buffers overlap
        for (var e : spans.entrySet()) {
            assertTrue(e.getKey() >= end, "buffers overlap at " + e.getKey());
            end = e.getValue();
        }
        assertEquals(1000, spans.size());
        bufs.forEach(ArrowBuf::close);
        // One slab of the class stays for the next buffer; the other went back to uvswap.
        assertEquals(1, factory.usage().openSlabs());
    }

    @Test
    void sizeClassesArePowersOfTwoFrom64Bytes() {
        try (ArrowBuf tiny = root.buffer(1); ArrowBuf odd = root.buffer(65); ArrowBuf top = root.buffer(MIB)) {
            assertEquals(64, backing(tiny).capacity());
            assertEquals(128, backing(odd).capacity());
            assertEquals(MIB, backing(top).capacity());
            assertInstanceOf(Backing.SlabSlot.class, backing(top));
        }
    }

    @Test
    void largeBuffersGetARegionEachThatClosesWithThem() {
        ArrowBuf big = root.buffer(MIB + 1);   // Arrow rounds to 2 MiB
        ArrowBuf bigger = root.buffer(5 * MIB);   // 8 MiB
        assertEquals(2, factory.usage().openRegions());
        assertEquals(2 * MIB, assertInstanceOf(Backing.DedicatedRegion.class, backing(big)).capacity());
        assertEquals(8 * MIB, backing(bigger).capacity());
        assertEquals(10 * MIB, root.getAllocatedMemory());
        big.close();
        assertEquals(1, factory.usage().openRegions());
        bigger.close();
        assertEquals(0, factory.usage().openRegions());
        assertEquals(0, root.getAllocatedMemory());
    }

    @Test
    void aBufferSharedByTwoAllocatorsIsFreedOnceByTheLast() {
        try (BufferAllocator child = root.newChildAllocator("child", 0, Long.MAX_VALUE)) {
            ArrowBuf a = root.buffer(4 * MIB);
            a.setLong(0, 7);
            ArrowBuf b = a.getReferenceManager().retain(a, child);
            a.close();
            assertEquals(1, factory.usage().openRegions());
            assertEquals(7, b.getLong(0));
            b.close();
            assertEquals(0, factory.usage().openRegions());
        }
    }

    @ParameterizedTest
    @EnumSource(FaultMode.class)
    void buffersComeBackWholeAfterTheGroupIsSwappedOut(FaultMode mode) {
        open(mode);
        List<ArrowBuf> bufs = new ArrayList<>();
        long[] sizes = {64, 200, 4096, 40_000, 300_000, MIB, 3 * MIB, 16 * MIB};
        for (int round = 0; round < 4; round++) {
            for (long size : sizes) {
                bufs.add(root.buffer(size));
            }
        }
        for (int i = 0; i < bufs.size(); i++) {
            fill(bufs.get(i), i);
        }
        long before = group.memoryCurrent();
        long reclaimed = vswap.reclaim(group, Long.MAX_VALUE);
        assertTrue(reclaimed > before / 2, "reclaimed " + reclaimed + " of " + before);
        assertTrue(group.memoryCurrent() < before / 2, "memoryCurrent " + group.memoryCurrent() + " was " + before);
        for (int i = 0; i < bufs.size(); i++) {
            assertEquals(-1, firstWrong(bufs.get(i), i), "buffer " + i + " of " + bufs.get(i).capacity() + " B");
        }
        assertTrue(group.events().refaults() > 0);
        bufs.forEach(ArrowBuf::close);
    }

    @Test
    void concurrentSmallAllocationsKeepTheirBytes() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    long wrong = 0;
                    for (int round = 0; round < 50; round++) {
                        List<ArrowBuf> bufs = new ArrayList<>();
                        for (int i = 0; i < 40; i++) {
                            ArrowBuf b = root.buffer(64L << (i % 8));
                            fill(b, thread * 1_000_000 + round * 100 + i);
                            bufs.add(b);
                        }
                        for (int i = 0; i < bufs.size(); i++) {
                            wrong += firstWrong(bufs.get(i), thread * 1_000_000 + round * 100 + i) < 0 ? 0 : 1;
                            bufs.get(i).close();
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Long> f : results) {
                assertEquals(0L, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Each 8-byte word holds a value derived from the buffer's seed and the word's index. */
    private static void fill(ArrowBuf b, long seed) {
        for (long off = 0; off + 8 <= b.capacity(); off += 8) {
            b.setLong(off, word(seed, off));
        }
    }

    private static long firstWrong(ArrowBuf b, long seed) {
        for (long off = 0; off + 8 <= b.capacity(); off += 8) {
            if (b.getLong(off) != word(seed, off)) {
                return off;
            }
        }
        return -1;
    }

    private static long word(long seed, long off) {
        return (seed * 0x9E3779B97F4A7C15L) ^ (off * 0xC2B2AE3D27D4EB4FL) ^ off;
    }
}
