package dev.uvswap.examples.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

/** Arrow's suite in this module runs on uvswap only if this passes: a plain RootAllocator allocates from it. */
class ArrowDefaultIsUvswapTest {

    @Test
    void plainRootAllocatorAllocatesFromUvswap() throws Exception {
        UvswapAllocationFactory factory = ArrowSuiteFactoryInstaller.installedFactory();
        assertSame(factory, ArrowSuiteFactoryInstaller.arrowDefault());
        var before = factory.usage();
        try (BufferAllocator root = new RootAllocator();
             ArrowBuf small = root.buffer(1000);
             ArrowBuf large = root.buffer(3L << 20)) {
            small.setLong(0, 42);
            large.setLong(large.capacity() - 8, 43);
            var during = factory.usage();
            assertEquals(before.slotAllocations() + 1, during.slotAllocations());
            assertEquals(before.regionAllocations() + 1, during.regionAllocations());
            assertEquals(42, small.getLong(0));
            assertEquals(43, large.getLong(large.capacity() - 8));
        }
    }
}
