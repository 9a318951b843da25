package dev.uvswap;

import java.lang.foreign.MemorySegment;

/**
 * A 2 MiB-aligned, zero-initialised memory region whose pages can be swapped out and come back
 * on touch. Offsets and lengths are in bytes from the start of the region; ranges must lie
 * inside it and offsets must be page aligned (4096). Thread safe.
 */
public sealed interface Region extends AutoCloseable permits RegionImpl {

    /** The region's memory. Valid until {@link #close()}; afterwards any access throws IllegalStateException. */
    MemorySegment segment();

    /** Size in bytes (the requested size rounded up to 2 MiB). */
    long size();

    /**
     * Swaps out the resident pages of {@code [offset, offset + length)} now (length rounds up to
     * whole pages) and returns how many left memory. Pages the pool refuses stay resident.
     */
    long pageOut(long offset, long length);

    /**
     * Makes every page of the range present now, swapping in what is swapped out. Needed before a
     * system call reads or writes the range when {@link VSwap#kernelFaultsHandled()} is false.
     * Returns how many pages were brought in (first touches included).
     */
    long prefault(long offset, long length);

    /** Bytes of the region that are resident now. */
    long residentBytes();

    /** Whether {@link #close()} has been called. */
    boolean isClosed();

    /** Frees the region's memory and every slot it holds. Idempotent. */
    @Override
    void close();
}
