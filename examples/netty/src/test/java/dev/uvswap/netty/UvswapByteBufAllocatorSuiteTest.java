package dev.uvswap.netty;

import dev.uvswap.VSwap;
import io.netty.buffer.AbstractByteBufAllocatorTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** Netty's allocator suite ({@link AbstractByteBufAllocatorTest}) on {@link UvswapByteBufAllocator}. */
class UvswapByteBufAllocatorSuiteTest extends AbstractByteBufAllocatorTest<UvswapByteBufAllocator> {
    private static VSwap vswap;
    private final List<UvswapByteBufAllocator> made = new ArrayList<>();

    @BeforeAll
    static void open() {
        vswap = VSwap.builder().faultThreads(2).build();
    }

    @AfterAll
    static void closeVSwap() {
        vswap.close();
    }

    @AfterEach
    void closeAllocators() {
        made.forEach(UvswapByteBufAllocator::close);
    }

    @Override
    protected UvswapByteBufAllocator newAllocator(boolean preferDirect) {
        UvswapByteBufAllocator a = UvswapByteBufAllocator.builder(vswap).preferDirect(preferDirect).build();
        made.add(a);
        return a;
    }

    @Override
    protected UvswapByteBufAllocator newUnpooledAllocator() {
        return newAllocator(false);
    }

    @Test
    @Disabled("needs a pooled heap: this allocator's heap buffers are Netty's unpooled heap buffers"
            + " (UnpooledByteBufAllocatorTest disables it for the same reason)")
    @Override
    public void shouldReuseChunks() {
    }
}
