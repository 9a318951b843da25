package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.VSwap;
import dev.uvswap.VSwapStats;

/** One VSwap and allocator per test class of Netty's suite, made on first use, closed after the class. */
final class UvswapSuiteSupport {
    private static VSwap vswap;
    private static UvswapByteBufAllocator alloc;
    private static String variant;

    private UvswapSuiteSupport() {
    }

    static synchronized UvswapByteBufAllocator allocator(String name, FaultMode mode, boolean swapping, int maxSlotBytes) {
        if (alloc == null) {
            variant = name;
            SwappingByteBuf.PAGE_OUTS.reset();
            SwappingByteBuf.PAGES_OUT.reset();
            vswap = VSwap.builder().faultMode(mode).faultThreads(2).build();
            UvswapByteBufAllocator.Builder b = UvswapByteBufAllocator.builder(vswap).maxSlotBytes(maxSlotBytes);
            alloc = swapping ? new SwappingAllocator(b) : b.build();
        }
        return alloc;
    }

    /** Closes the class's VSwap and returns its counters (null if nothing was made). */
    static synchronized VSwapStats close() {
        if (vswap == null) {
            return null;
        }
        VSwapStats s = vswap.stats();
        System.out.printf("[netty suite %s] pageOut calls %d, pages out %d, pswpin %d, pswpout %d, EFAULT retries %d, faults %s%n",
                variant, SwappingByteBuf.PAGE_OUTS.sum(), SwappingByteBuf.PAGES_OUT.sum(), s.pswpin(), s.pswpout(),
                alloc.efaultRetries(), s.faults());
        alloc.close();
        vswap.close();
        alloc = null;
        vswap = null;
        return s;
    }

    /** An allocator whose direct buffers are {@link SwappingByteBuf}s. */
    static final class SwappingAllocator extends UvswapByteBufAllocator {
        SwappingAllocator(UvswapByteBufAllocator.Builder b) {
            super(b);
        }

        @Override
        protected UvswapByteBuf newUvswapBuffer(int initialCapacity, int maxCapacity) {
            return new SwappingByteBuf(this, initialCapacity, maxCapacity);
        }
    }
}
