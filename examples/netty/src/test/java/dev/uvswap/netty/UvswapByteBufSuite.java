package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.VSwapStats;
import io.netty.buffer.AbstractByteBufTest;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterAll;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's own ByteBuf test suite ({@link AbstractByteBufTest}, about 400 tests) run on
 * {@link UvswapByteBuf}s. Each concrete class is one variant: the fault mode, and whether the
 * buffers swap their pages out after creation and between writes and reads ({@link SwappingByteBuf}).
 */
abstract class UvswapByteBufSuite extends AbstractByteBufTest {
    private static boolean swappingClass;

    abstract FaultMode faultMode();

    abstract boolean swapping();

    /** Largest slab slot; 0 puts every buffer in a region of its own. */
    int maxSlotBytes() {
        return 1 << 20;
    }

    @Override
    protected ByteBuf newBuffer(int length, int maxCapacity) {
        swappingClass = swapping();
        UvswapByteBufAllocator alloc = UvswapSuiteSupport.allocator(getClass().getSimpleName(), faultMode(), swapping(), maxSlotBytes());
        // Straight from the allocator's factory, as Netty's own direct-buffer tests construct
        // theirs: no sampled leak-detection wrapper in between.
        UvswapByteBuf buf = alloc.newUvswapBuffer(length, maxCapacity);
        assertSame(ByteOrder.BIG_ENDIAN, buf.order());
        assertEquals(0, buf.writerIndex());
        if (length > 0) {
            assertEquals(faultMode(), buf.faultMode());
        }
        if (swapping()) {
            assertInstanceOf(SwappingByteBuf.class, buf);
        }
        return buf;
    }

    /** A swapping variant that never swapped a page in has not tested what it claims to. */
    @AfterAll
    static void closeAndCheckSwapping() {
        VSwapStats s = UvswapSuiteSupport.close();
        if (s != null && swappingClass) {
            assertTrue(SwappingByteBuf.PAGES_OUT.sum() > 0, "the suite paged nothing out");
            assertTrue(s.pswpin() + s.swpinZero() > 0, "no page came back from swap: " + s);
        }
    }
}
