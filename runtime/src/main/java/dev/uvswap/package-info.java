/**
 * uvswap: memory regions for off-heap data that can be far larger than what stays resident.
 *
 * <p>A {@link dev.uvswap.Region} is an anonymous mapping registered on a userfaultfd. Pages
 * swapped out of it go to the virtual swap layer: each gets a virtual slot whose descriptor
 * says where the data lives (the compressed pool, nothing at all for a zero page, or the
 * staging area while in flight). Touching a swapped-out page faults, and a native fault server
 * (a plain pthread that never enters the JVM) brings it back before the touching thread runs
 * on. The application sees ordinary memory through {@link dev.uvswap.Region#segment()}.
 *
 * {@snippet :
 * try (VSwap vswap = VSwap.builder().compressor(Compressor.ZSTD).build();
 *      Region region = vswap.allocate(1L << 30)) {
 *     MemorySegment seg = region.segment();
 *     seg.set(ValueLayout.JAVA_LONG, 0, 42);
 *     region.pageOut(0, region.size());           // everything resident leaves memory
 *     assert seg.get(ValueLayout.JAVA_LONG, 0) == 42;   // faulted back on touch
 * }
 * }
 *
 * <p>Guarantees, stated once:
 * <ul>
 * <li>No write is lost: a page leaves a region with {@code UFFDIO_MOVE}, which is atomic against
 *     concurrent writers, and its data is published in its slot before it leaves.</li>
 * <li>No Java runs on the fault path, so a thread blocked in a fault never holds up a safepoint
 *     for longer than the native service time.</li>
 * <li>Bad arguments throw {@link java.lang.IllegalArgumentException} or
 *     {@link java.lang.IndexOutOfBoundsException}; a closed region or instance throws
 *     {@link java.lang.IllegalStateException}; a failing system call throws
 *     {@link dev.uvswap.VSwapException} naming the operation and the errno. None of them loses
 *     data that was already stored.</li>
 * <li>A machine without what uvswap needs makes {@link dev.uvswap.VSwap.Builder#build()} throw
 *     {@link dev.uvswap.UnsupportedPlatformException} naming exactly what is missing.</li>
 * </ul>
 */
package dev.uvswap;

