package dev.uvswap;

import java.lang.foreign.MemorySegment;

/**
 * A 2 MiB-aligned, zero-initialised memory region whose pages can be swapped out and come back
 * on touch. Offsets and lengths are in bytes from the start of the region; ranges must lie
 * inside it and offsets must be page aligned (4096). Thread safe.
 *
 * <p>Implemented by uvswap alone (the implementation is internal to the module): an object of
 * another implementation handed to uvswap is refused with an {@link IllegalArgumentException}.
 */
public interface Region extends AutoCloseable {

    /** The region's memory. Valid until {@link #close()}; afterwards any access throws IllegalStateException. */
    MemorySegment segment();

    /** Size in bytes (the requested size rounded up to 2 MiB). */
    long size();

    /** Whether the region uses 2 MiB huge pages (it was not allocated with {@link RegionOption#SMALL_PAGES}). */
    boolean hugePages();

    /** Who serves this region's faults: the faulting thread, or uvswap's fault-server threads. */
    FaultMode faultMode();

    /**
     * Swaps out the resident pages of {@code [offset, offset + length)} now (length rounds up to
     * whole pages) and returns how many left memory. Pages the pool refuses stay resident.
     */
    long pageOut(long offset, long length);

    /**
     * Moves the resident pages of the range out of the region into the swap cache (the staging
     * area) without compressing them, and returns how many moved. A touch brings a parked page
     * back with one move, no copy and no decompression: the cheap first stage of aging cold
     * candidates. Parked pages still use memory; {@link #pageOut} compresses. Parked pages hold at
     * most half of the swap cache (512 MiB): beyond it, or when another pageOut or park needs room,
     * the oldest parked pages (of any region) are compressed as pageOut would, so a full swap cache
     * never makes anyone wait. Stops early only when the slot space is full.
     */
    long park(long offset, long length);

    /**
     * Advice: the range is cold (the kernel's MADV_COLD). Its pages lose any active mark, and
     * when the region's group is over a limit the reclaimer swaps them out before anything else.
     * Nothing leaves memory while the group is under its limits; use {@link #pageOut} for now.
     * The advice kept costs bounded memory however often it is given: overlapping and adjacent
     * ranges merge, and past 256 disjoint ranges the closest ones merge (the pages between
     * them count as cold too). A region allocated without a group has no reclaimer, so there
     * the advice only clears the active marks.
     */
    void cold(long offset, long length);

    /**
     * Advice: the range will be needed soon (MADV_WILLNEED). Its swapped-out pages are brought
     * back by a background thread; the call returns at once.
     */
    void willNeed(long offset, long length);

    /**
     * Pins the range: its pages are brought back now and never swapped out (by the reclaimer,
     * {@link #pageOut} or {@link #park}) until {@link #unpin}. Pinned pages count toward the
     * group's memory like any other; a group whose limit is below its pinned memory stays over
     * it (max events are counted, nothing is lost). Returns how many pages were brought back.
     */
    long pin(long offset, long length);

    /** Ends a {@link #pin} of the range (pins do not nest). */
    void unpin(long offset, long length);

    /**
     * Makes every page of the range present now, swapping in what is swapped out. Needed before a
     * system call reads or writes the range when {@link VSwap#kernelFaultsHandled()} is false.
     * Returns how many swapped-out pages were brought back (never-touched pages are zero-filled
     * too, but not counted).
     */
    long prefault(long offset, long length);

    /**
     * Bytes of the region that are resident now: a counter the fault servers and pageOut keep, so
     * it costs nothing to ask (readahead still in flight may be counted a moment before its pages
     * are present).
     */
    long residentBytes();

    /** Whether {@link #close()} has been called. */
    boolean isClosed();

    /**
     * Frees the region's memory and every slot it holds. Idempotent.
     *
     * <p>While the kernel does I/O on the region's memory (a read(2) into a buffer over its
     * segment, blocked on a pipe, say) or a downcall was given the segment, the memory cannot be
     * taken away: close then throws an IllegalStateException saying so and changes nothing, the
     * region stays open and usable, and a close after the I/O has ended frees everything.
     *
     * @throws IllegalStateException if kernel I/O or a native call is in progress on the segment
     */
    @Override
    void close();
}
