package dev.uvswap.internal.pool;

/**
 * Gives the physical memory behind a range of a reserved area back to the kernel
 * (MADV_DONTNEED in production; the range then reads as zeroes).
 *
 * <p>The allocators call it when a whole unit (pool span, descriptor cluster, staging chunk)
 * becomes free, never while holding one of their locks, and never hand the unit out again
 * before the call has returned.
 */
@FunctionalInterface
public interface Discarder {

    /**
     * @param offset byte offset from the start of the area the allocator manages
     * @param length bytes; the allocators only pass whole pages
     */
    void discard(long offset, long length);
}
