package dev.uvswap.internal.file;

import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.far.FarTier;
import dev.uvswap.internal.os.NativeErrors;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The swap files of one VSwap, by index (the index a file handle carries) and by priority
 * (allocation order: highest priority first, then the order they were added). Attaching a file
 * hands its descriptor to the fault servers; detaching waits until none still reads it.
 */
public final class SwapFiles implements AutoCloseable {
    private final MemorySegment ctx;
    private final SwapFile[] byIndex = new SwapFile[FileHandle.MAX_FILES];
    private volatile List<SwapFile> byPriority = List.of();
    /** The far tier, after the files in allocation order; it takes a file index of its own. */
    private volatile FarTier far;
    /** Run when a stored page is freed (a writer waiting for room may go on). */
    private volatile Runnable onFree = () -> { };
    /** Stored bytes of the pages in files (compressed, as the pool held them). */
    private final java.util.concurrent.atomic.AtomicLong storedBytes = new java.util.concurrent.atomic.AtomicLong();

    public SwapFiles(MemorySegment ctx) {
        this.ctx = ctx;
    }

    public void onFree(Runnable r) {
        this.onFree = r;
    }

    /** Creates and attaches a file; see {@link SwapFile#create}. */
    public synchronized SwapFile add(Path path, long maxBytes, int priority, boolean temporary) {
        Path abs = path.toAbsolutePath();
        for (SwapFile f : byPriority) {
            if (!temporary && f.path().equals(abs)) {
                throw new IllegalArgumentException("swap file " + abs + " is already in use");
            }
        }
        int index = freeIndex();
        SwapFile f = SwapFile.create(path, maxBytes, priority, index, temporary);
        try {
            NativeErrors.check(uvswap_h.uvs_file_attach(ctx, index, f.fd()), "uvs_file_attach(" + f.path() + ")");
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        byIndex[index] = f;
        List<SwapFile> list = new ArrayList<>(byPriority);
        list.add(f);
        list.sort(Comparator.comparingInt(SwapFile::priority).reversed());   // stable: ties keep their order
        byPriority = List.copyOf(list);
        return f;
    }

    /** Opens the far tier at a free index; {@code open} gets the index and attaches it to C. */
    public synchronized FarTier addFar(IntFunction<FarTier> open) {
        if (far != null) {
            throw new IllegalStateException("this VSwap has a far tier already: " + far.server());
        }
        far = open.apply(freeIndex());
        return far;
    }

    /** Whether a file handle names a far-tier object. */
    public boolean isFar(long fh) {
        FarTier t = far;
        return t != null && FileHandle.file(fh) == t.index();
    }

    /** The far tier, or null. */
    public FarTier far() {
        return far;
    }

    private int freeIndex() {
        FarTier t = far;
        for (int i = 0; i < byIndex.length; i++) {
            if (byIndex[i] == null && (t == null || t.index() != i)) {
                return i;
            }
        }
        throw new IllegalStateException("at most " + FileHandle.MAX_FILES + " swap files at a time");
    }

    /** Detaches, closes and removes a file or the far tier that no slot uses any more. */
    public synchronized void remove(Retirable r) {
        if (r instanceof SwapFile f) {
            removeFile(f);
        } else if (r == far) {
            if (far.used() != 0) {
                throw new IllegalStateException(far.server() + " still holds " + far.used() + " pages");
            }
            far.detach();
            far.close();
            far = null;
        } else {
            throw new IllegalArgumentException(r.name() + " is not in use here");
        }
    }

    private void removeFile(SwapFile f) {
        if (f.used() != 0) {
            throw new IllegalStateException(f.path() + " still holds " + f.used() + " pages");
        }
        NativeErrors.check(uvswap_h.uvs_file_attach(ctx, f.index(), -1), "uvs_file_attach(detach " + f.path() + ")");
        byIndex[f.index()] = null;
        List<SwapFile> list = new ArrayList<>(byPriority);
        list.remove(f);
        byPriority = List.copyOf(list);
        f.close();
    }

    public List<SwapFile> files() {
        return byPriority;
    }

    public SwapFile byPath(Path path) {
        Path abs = path.toAbsolutePath();
        for (SwapFile f : byPriority) {
            if (f.path().equals(abs)) {
                return f;
            }
        }
        return null;
    }

    public boolean isEmpty() {
        return byPriority.isEmpty();
    }

    /** Whether some file, or the far tier, takes new pages now. */
    public boolean accepting() {
        FarTier t = far;
        return filesAccepting() || t != null && t.accepting();
    }

    /** Whether some swap file (not the far tier) takes new pages now. */
    public boolean filesAccepting() {
        for (SwapFile f : byPriority) {
            if (f.accepting()) {
                return true;
            }
        }
        return false;
    }

    /**
     * One run for a prefix of the objects {@code vslots[from..from+n)} of {@code lengths},
     * packed into whole blocks of the first file (by priority) with room; null when none has any.
     */
    public Run allocate(long[] vslots, int[] lengths, int from, int n) {
        for (SwapFile f : byPriority) {
            Run run = f.allocate(vslots, lengths, from, n);
            if (run != null) {
                return run;
            }
        }
        return null;
    }

    /**
     * A run in one file: {@link #length()} objects stored back to back from the start of
     * {@link #blocks()} whole blocks (the last one padded with zeroes), written with one call.
     */
    public static final class Run {
        private final SwapFile file;
        private final long firstBlock;
        private final int blocks;
        private final FileCluster.PackedRun packed;
        private final long clusterBase;

        Run(SwapFile file, long firstBlock, int blocks, FileCluster.PackedRun packed) {
            this.file = file;
            this.firstBlock = firstBlock;
            this.blocks = blocks;
            this.packed = packed;
            this.clusterBase = firstBlock / FileCluster.BLOCKS * SwapFile.CLUSTER_BYTES;
        }

        public SwapFile file() {
            return file;
        }

        public long firstBlock() {
            return firstBlock;
        }

        public int blocks() {
            return blocks;
        }

        /** Objects (pages) in the run. */
        public int length() {
            return packed.starts.length;
        }

        /** Byte offset in the file of object {@code i}. */
        public long offset(int i) {
            int at = packed.starts[i];
            return clusterBase + (at < 0 ? -1 - at : at);
        }

        /** Object {@code i}'s length: up to the next one, or to the run's end. */
        int objectLength(int i) {
            long end = i + 1 < length() ? offset(i + 1) : clusterBase + packed.end;
            return (int) (end - offset(i));
        }

        FileCluster.PackedRun packed() {
            return packed;
        }

        /** The handle of object {@code i}, stored at its offset. */
        public long handle(int i, int length, int fmt) {
            return FileHandle.handle(file.index(), offset(i), length, fmt);
        }

        /** Gives back object {@code i}, allocated but never published (its CAS lost to a consumer). */
        public void free(int i, int length) {
            file.free(offset(i), length);
        }
    }

    /** A page was written to the object this handle names and a descriptor now says FILE. */
    public void published(long fh) {
        storedBytes.addAndGet(FileHandle.length(fh));
    }

    /** Frees the object a published file handle names (in a file, or in the far tier). */
    public void free(long fh) {
        FarTier t = far;
        if (t != null && FileHandle.file(fh) == t.index()) {
            t.free(FileHandle.offset(fh), FileHandle.length(fh));
            onFree.run();
            return;
        }
        SwapFile f = byIndex[FileHandle.file(fh)];
        if (f == null) {
            throw new IllegalStateException("file handle 0x" + Long.toHexString(fh) + " names no swap file");
        }
        f.free(FileHandle.offset(fh), FileHandle.length(fh));
        storedBytes.addAndGet(-FileHandle.length(fh));
        onFree.run();
    }

    public long storedBytes() {
        return storedBytes.get();
    }

    public SwapFile byIndex(int index) {
        return byIndex[index];
    }

    /** Tests: the next {@code count} fault-path reads of the file fail with {@code errno}. */
    public void injectReadErrors(SwapFile f, int errno, int count) {
        NativeErrors.check(uvswap_h.uvs_file_inject(ctx, f.index(), errno, count), "uvs_file_inject");
    }

    /** Pages stored in the files. */
    public long usedSlots() {
        return byPriority.stream().mapToLong(SwapFile::used).sum();
    }

    /** 4 KiB blocks holding at least one stored page. */
    public long usedBlocks() {
        return byPriority.stream().mapToLong(SwapFile::usedBlocks).sum();
    }

    /** 4 KiB blocks a write failed on. */
    public long badSlots() {
        return byPriority.stream().mapToLong(SwapFile::bad).sum();
    }

    public long capacitySlots() {
        return byPriority.stream().mapToLong(SwapFile::capacity).sum();
    }

    /** Detaches and closes every file and the far tier (the VSwap is closing: no slot names them any more). */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        if (far != null) {
            try {
                far.detach();
                far.close();
            } catch (RuntimeException e) {
                failure = e;
            }
            far = null;
        }
        for (SwapFile f : byPriority) {
            try {
                uvswap_h.uvs_file_attach(ctx, f.index(), -1);
                f.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        byPriority = List.of();
        java.util.Arrays.fill(byIndex, null);
        if (failure != null) {
            throw failure;
        }
    }
}
