package dev.uvswap;

import java.nio.file.Path;

/**
 * Something happened to a swap file that an operator wants to know about. None of these loses
 * a page: the pages that could not be written stay in the pool or in memory. Delivered to the
 * listener given to {@link VSwap.Builder#swapFileEvents}, on uvswap's writeback thread (or the
 * thread that called {@code pageOut}); a listener must not block.
 */
public sealed interface SwapFileEvent {

    Path file();

    /** A write failed (EIO and the like): its slots are marked bad and never used again. */
    record WriteError(Path file, int errno, int badSlots) implements SwapFileEvent { }

    /** The file system is out of space (ENOSPC, EDQUOT, EFBIG): the file takes no more until a slot is freed. */
    record NoSpace(Path file, int errno) implements SwapFileEvent { }

    /** Every slot of the file's {@code maxBytes} is in use or bad. */
    record Full(Path file) implements SwapFileEvent { }

    /**
     * The path no longer names the file (someone deleted or replaced it). Its pages are still
     * readable through the open descriptor; no new ones are written to it.
     */
    record Deleted(Path file) implements SwapFileEvent { }
}
