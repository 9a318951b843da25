package dev.uvswap.internal.os;

import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.Errno;
import dev.uvswap.bindings.libc.libc_h;
import dev.uvswap.internal.pool.Discarder;

import java.lang.foreign.MemorySegment;

/**
 * An anonymous private mapping reserved with MAP_NORESERVE: address space now, memory only
 * where it is touched. Metadata tables, the pool and the staging area are all of this kind, so
 * giving memory back is one madvise(MADV_DONTNEED) and never a free-list walk.
 */
public final class Mapping implements Discarder {
    private final long address;
    private final long size;
    private final String what;
    private boolean unmapped;

    private Mapping(long address, long size, String what) {
        this.address = address;
        this.size = size;
        this.what = what;
    }

    /** Reserves {@code size} bytes aligned to {@code align} (a power of two, at least a page). */
    public static Mapping reserve(long size, long align, String what) {
        if (size <= 0 || size > Long.MAX_VALUE - align) {
            throw new IllegalArgumentException(what + ": cannot map " + size + " bytes");
        }
        long span = size + align - 4096;
        MemorySegment p = Syscalls.mmap(MemorySegment.NULL, span, libc_h.PROT_READ() | libc_h.PROT_WRITE(),
                libc_h.MAP_PRIVATE() | libc_h.MAP_ANONYMOUS() | libc_h.MAP_NORESERVE(), -1, 0);
        if (Syscalls.mapFailed(p)) {
            int errno = Errno.last();
            throw NativeErrors.failure("mmap of " + size + " bytes for " + what
                    + (errno == libc_h.ENOMEM() ? " (address space or overcommit limit; vm.overcommit_memory=2 refuses MAP_NORESERVE reservations)" : ""), errno);
        }
        long raw = p.address();
        long aligned = (raw + align - 1) & -align;
        if (aligned > raw) {
            unmap(raw, aligned - raw);
        }
        long tail = raw + span - (aligned + size);
        if (tail > 0) {
            unmap(aligned + size, tail);
        }
        // Never inherited by a child process: pages shared copy-on-write with a child can no
        // longer be moved out (UFFDIO_MOVE refuses pages that are not exclusive to us), and a
        // child has no fault servers to serve what it would inherit of a region anyway.
        int rc = Syscalls.madvise(MemorySegment.ofAddress(aligned), size, libc_h.MADV_DONTFORK());
        if (rc != 0) {
            int errno = Errno.last();
            unmap(aligned, size);
            throw NativeErrors.failure("madvise(MADV_DONTFORK) on " + what, errno);
        }
        return new Mapping(aligned, size, what);
    }

    private static void unmap(long addr, long len) {
        NativeErrors.checkLibc(Syscalls.munmap(MemorySegment.ofAddress(addr), len), "munmap");
    }

    public long address() {
        return address;
    }

    public long size() {
        return size;
    }

    /** The whole mapping as a segment; its lifetime is this object's, managed by the owner. */
    public MemorySegment segment() {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    /** Gives the memory of {@code [offset, offset + length)} back; it reads as zero afterwards. */
    @Override
    public void discard(long offset, long length) {
        advise(offset, length, libc_h.MADV_DONTNEED(), "madvise(MADV_DONTNEED) on " + what);
    }

    public void advise(long offset, long length, int advice, String operation) {
        NativeErrors.checkLibc(Syscalls.madvise(MemorySegment.ofAddress(address + offset), length, advice), operation);
    }

    /** Calls {@code page} with the index of every resident page of the mapping (mincore, 64 Ki pages a call). */
    public void forEachResidentPage(java.util.function.LongConsumer page) {
        long pages = size / 4096;
        int window = 1 << 16;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment vec = arena.allocate(window);
            for (long first = 0; first < pages; first += window) {
                int n = (int) Math.min(window, pages - first);
                NativeErrors.checkLibc(Syscalls.mincore(MemorySegment.ofAddress(address + first * Pages.BYTES), n * Pages.BYTES, vec),
                        "mincore on " + what);
                for (int i = 0; i < n; i++) {
                    if ((vec.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 1) != 0) {
                        page.accept(first + i);
                    }
                }
            }
        }
    }

    public synchronized void unmap() {
        if (!unmapped) {
            unmapped = true;
            unmap(address, size);
        }
    }
}
