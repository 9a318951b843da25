package dev.uvswap.internal.file;

import dev.uvswap.bindings.libc.iovec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Writes a run of pages in their stored form with one {@code pwritev}: the objects back to back
 * (one iovec each, no copy), then zeroes up to the end of the run's last block, so the write
 * covers whole blocks. A run holds at most 512 objects (a cluster of whole pages, or a batch),
 * so it fits in IOV_MAX (1024) iovecs. One per writing thread.
 */
public final class RunWriter implements AutoCloseable {
    private static final int MAX_IOV = 2 * FileCluster.BLOCKS;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment iov = arena.allocate(iovec.layout(), MAX_IOV);
    private final MemorySegment zeros = arena.allocate(SwapFile.BLOCK_BYTES, SwapFile.BLOCK_BYTES);

    /**
     * Writes objects {@code from .. from + run.length()} of ({@code base + offsets[i]},
     * {@code lengths[i]}) to the run's blocks. Returns 0 or -errno.
     */
    public int write(SwapFiles.Run run, MemorySegment base, long[] offsets, int[] lengths, int from) {
        if (run.length() >= MAX_IOV) {
            throw new IllegalArgumentException("a run of " + run.length() + " objects needs more than IOV_MAX iovecs");
        }
        int n = 0;
        long bytes = 0;
        for (int i = from; i < from + run.length(); i++) {
            n = set(n, base.address() + offsets[i], lengths[i]);
            bytes += lengths[i];
        }
        long pad = run.blocks() * SwapFile.BLOCK_BYTES - bytes;
        if (pad < 0 || pad >= SwapFile.BLOCK_BYTES) {
            throw new IllegalStateException("a run of " + bytes + " bytes in " + run.blocks() + " blocks");
        }
        if (pad > 0) {
            n = set(n, zeros.address(), pad);
        }
        return run.file().write(run.firstBlock(), run.blocks(), iov, n);
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
