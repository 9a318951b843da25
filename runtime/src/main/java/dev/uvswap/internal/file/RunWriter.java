package dev.uvswap.internal.file;

import dev.uvswap.bindings.libc.iovec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Writes a run of pages in their stored form to contiguous file slots with one
 * {@code pwritev}: each page is its stored bytes followed by zeroes up to 4 KiB (one iovec
 * each, no copy), so any run of up to 512 pages fits in IOV_MAX (1024) iovecs. One per
 * writing thread.
 */
public final class RunWriter implements AutoCloseable {
    private static final int MAX_IOV = 2 * FileCluster.SLOTS;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment iov = arena.allocate(iovec.layout(), MAX_IOV);
    private final MemorySegment zeros = arena.allocate(SwapFile.SLOT_BYTES, SwapFile.SLOT_BYTES);

    /**
     * Writes pages {@code from .. from + run.length()} of ({@code base + offsets[i]},
     * {@code lengths[i]}) to the run's slots. Returns 0 or -errno.
     */
    public int write(SwapFiles.Run run, MemorySegment base, long[] offsets, int[] lengths, int from) {
        int n = 0;
        for (int i = from; i < from + run.length(); i++) {
            n = set(n, base.address() + offsets[i], lengths[i]);
            if (lengths[i] < SwapFile.SLOT_BYTES) {
                n = set(n, zeros.address(), SwapFile.SLOT_BYTES - lengths[i]);
            }
        }
        return run.file().write(run.first(), run.length(), iov, n);
    }

    private int set(int n, long address, long length) {
        MemorySegment e = iov.asSlice(n * iovec.sizeof(), iovec.sizeof());
        iovec.iov_base(e, MemorySegment.ofAddress(address));
        iovec.iov_len(e, length);
        return n + 1;
    }

    @Override
    public void close() {
        arena.close();
    }
}
