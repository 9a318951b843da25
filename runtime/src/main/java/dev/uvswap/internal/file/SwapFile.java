package dev.uvswap.internal.file;

import dev.uvswap.VSwapException;
import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.Errno;
import dev.uvswap.bindings.libc.libc_h;
import dev.uvswap.internal.os.NativeErrors;
import dev.uvswap.internal.os.Pages;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.Objects;

/**
 * One swap file: a sparse file of 4 KiB blocks in 512-block clusters (free, nonfull and full, as
 * the kernel's swap device), with the per-block live counts, the bad blocks and the reverse map
 * in {@link FileCluster}. Pages are stored packed, in the compressed form the pool held them: a
 * run of objects is written back to back into a range of whole blocks, and each object's file
 * handle carries its byte offset. A block is free again once no live object overlaps it. Blocks
 * are handed out only by writeback and pool rejects, so a file the pool never overflows stays
 * empty; a cluster whose last block is freed is punched out of the file.
 *
 * <p>The fault servers read objects with {@code pread} on {@link #fd()}; this class does the
 * writes ({@code pwritev}, one call a run) and the bookkeeping. One lock guards the clusters;
 * writes run outside it.
 */
public final class SwapFile implements Retirable, AutoCloseable {
    /** The unit of allocation: runs take whole blocks, a page's object takes 1..4096 bytes of them. */
    public static final long BLOCK_BYTES = FileCluster.BLOCK_BYTES;
    /** The largest file: what a file handle's 41-bit offset can address. */
    /**
     * Free blocks a cluster in use gathers before they are punched out of the file: a quarter of
     * it, so a drain that frees blocks one at a time makes one {@code fallocate} per 128 of them.
     */
    static final int PUNCH_BATCH_BLOCKS = FileCluster.BLOCKS / 4;
    public static final long MAX_BYTES = (FileHandle.MAX_OFFSET + 1) & -BLOCK_BYTES;
    static final long CLUSTER_BYTES = FileCluster.BLOCKS * BLOCK_BYTES;
    /** A run that needs this many blocks takes no hole smaller (32 KiB), while an empty cluster is left. */
    private static final int MIN_HOLE_BLOCKS = 8;

    private final Path path;
    private final boolean unlinked;
    private final int index;
    private final int priority;
    private final int fd;
    private final long capacity;
    private final Object inode;
    private final FileCluster[] clusters;
    private final BitSet freeClusters;
    private final LinkedHashSet<FileCluster> nonfull = new LinkedHashSet<>();
    /** Pages (objects) stored. */
    private long used;
    /** Blocks with live objects. */
    private long usedBlocks;
    /** Blocks a write failed on. */
    private long bad;
    private volatile boolean retiring;
    /** The file system said ENOSPC: no allocation until an object is freed or this time (nanoTime) passes. */
    private volatile boolean noSpace;
    private volatile long noSpaceUntil;
    private volatile boolean deleted;
    private int injectErrno;
    private int injectCount;
    /** Set by close() before it removes the path (volatile: checkDeleted reads it without the lock). */
    private volatile boolean closed;

    private SwapFile(Path path, boolean unlinked, int index, int priority, int fd, long capacity, Object inode) {
        this.path = path;
        this.unlinked = unlinked;
        this.index = index;
        this.priority = priority;
        this.fd = fd;
        this.capacity = capacity;
        this.inode = inode;
        int nclusters = (int) ((capacity + FileCluster.BLOCKS - 1) / FileCluster.BLOCKS);
        this.clusters = new FileCluster[nclusters];
        this.freeClusters = new BitSet(nclusters);
        freeClusters.set(0, nclusters);
    }

    /**
     * Creates the file with mode 0600 (it must not exist: a swap file is never an existing
     * file overwritten), or, when {@code temporary}, a new unlinked file in the directory
     * {@code path}. Nothing is preallocated.
     */
    public static SwapFile create(Path path, long maxBytes, int priority, int index, boolean temporary) {
        Objects.requireNonNull(path, "path");
        long capacity = checkSize(path, maxBytes) / BLOCK_BYTES;
        Path file = path.toAbsolutePath();
        if (temporary) {
            try {
                file = Files.createTempFile(file, "uvswap-", ".swap");   // 0600 on POSIX
            } catch (IOException e) {
                throw new VSwapException("cannot create a temporary swap file in " + path + ": " + e, 0);
            }
        }
        int flags = libc_h.O_RDWR() | libc_h.O_CLOEXEC() | Syscalls.O_NOFOLLOW() | (temporary ? 0 : libc_h.O_CREAT() | libc_h.O_EXCL());
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = Syscalls.open(arena.allocateFrom(file.toString()), flags, 0600);
        }
        if (fd < 0) {
            int errno = Errno.last();
            String why = errno == libc_h.EEXIST() ? " (it exists; uvswap never overwrites a file, remove it first)" : "";
            throw new VSwapException("cannot create swap file " + file + ": " + Errno.describe(errno) + why, errno);
        }
        try {
            Object inode = Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            if (temporary) {
                Files.delete(file);
            }
            return new SwapFile(file, temporary, index, priority, fd, capacity, inode);
        } catch (IOException | RuntimeException e) {
            Syscalls.close(fd);
            try {
                Files.deleteIfExists(file);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new VSwapException("cannot set up swap file " + file + ": " + e, 0);
        }
    }

    private static long checkSize(Path path, long maxBytes) {
        if (maxBytes < CLUSTER_BYTES || maxBytes > MAX_BYTES) {
            throw new IllegalArgumentException("swap file " + path + ": maxBytes " + maxBytes + " outside "
                    + CLUSTER_BYTES + " (one 2 MiB cluster) .. " + MAX_BYTES + " (2 TiB)");
        }
        return maxBytes & -BLOCK_BYTES;
    }

    public Path path() {
        return path;
    }

    public int index() {
        return index;
    }

    public int priority() {
        return priority;
    }

    public int fd() {
        return fd;
    }

    /** Blocks in the file. */
    public long capacity() {
        return capacity;
    }

    /** Pages stored (allocated objects, published or about to be). */
    public synchronized long used() {
        return used;
    }

    /** Blocks holding at least one live object. */
    public synchronized long usedBlocks() {
        return usedBlocks;
    }

    /** Blocks a write failed on. */
    public synchronized long bad() {
        return bad;
    }

    /** Whether new pages may go to this file: not retiring, not out of space, not deleted, not full. */
    public synchronized boolean accepting() {
        return !retiring && !outOfSpace() && !deleted && !closed && usedBlocks + bad < capacity;
    }

    /** Full: every block is in use or bad. */
    public synchronized boolean full() {
        return usedBlocks + bad == capacity;
    }

    private boolean outOfSpace() {
        if (noSpace && System.nanoTime() - noSpaceUntil > 0) {
            noSpace = false;   // others may have freed space on the file system: try again
        }
        return noSpace;
    }

    /** A write found the file system full. */
    private void setNoSpace() {
        noSpaceUntil = System.nanoTime() + 5_000_000_000L;
        noSpace = true;
    }

    /** Stops new allocations (the first step of a retire); pages stored are unaffected. */
    public void retiring(boolean on) {
        retiring = on;
    }

    public boolean retiring() {
        return retiring;
    }

    /**
     * Allocates one run for a prefix of the objects {@code vslots[from..from+n)} of
     * {@code lengths}: the objects back to back from the start of a range of free blocks in one
     * cluster, as many as fit (at least one when any block is free). Records each in the
     * reverse map. Returns null when the file takes no more.
     */
    public synchronized SwapFiles.Run allocate(long[] vslots, int[] lengths, int from, int n) {
        if (retiring || outOfSpace() || deleted || closed || n <= 0) {
            return null;
        }
        long bytes = 0;
        int fit = 0;   // at most one cluster's worth: runs never cross a cluster's end
        while (fit < n && bytes + lengths[from + fit] <= CLUSTER_BYTES) {
            bytes += lengths[from + fit++];
        }
        int want = (int) ((bytes + BLOCK_BYTES - 1) / BLOCK_BYTES);
        // Holes first (they take disk space until their whole cluster is free), but not holes too
        // small for a large run, which would split into many writes: a few clusters with room
        // are tried, those with only small holes go to the back of the list for small runs, and
        // a large run that found no room for 'enough' takes an empty cluster, filled from then on.
        int enough = Math.min(want, MIN_HOLE_BLOCKS);
        FileCluster c = null;
        long range = 0;
        for (int tries = 0; tries < 4 && !nonfull.isEmpty(); tries++) {
            FileCluster f = nonfull.getFirst();
            long r = f.freeRange(want);
            if ((int) r >= enough) {
                c = f;
                range = r;
                break;
            }
            nonfull.addLast(f);
        }
        if (c == null) {
            c = freeCluster();
            if (c != null) {
                nonfull.addFirst(c);
            } else if (!nonfull.isEmpty()) {
                c = nonfull.getFirst();   // no empty cluster left: any hole will do
            } else {
                return null;
            }
            range = c.freeRange(want);
        }
        int first = (int) (range >>> 32);
        long room = (range & 0xFFFF_FFFFL) * BLOCK_BYTES;
        // The objects that fit in the range; the blocks they take may be fewer than the range.
        int k = 0;
        long end = 0;
        while (k < fit && end + lengths[from + k] <= room) {
            end += lengths[from + k++];
        }
        if (k == 0) {
            return null;   // cannot happen: a free block holds any one object
        }
        int blocks = (int) ((end + BLOCK_BYTES - 1) / BLOCK_BYTES);
        FileCluster.PackedRun packed = c.allocate(first, blocks, vslots, lengths, from, k);
        if (c.full()) {
            nonfull.remove(c);
        }
        used += k;
        usedBlocks += blocks;
        return new SwapFiles.Run(this, (long) c.index * FileCluster.BLOCKS + first, blocks, packed);
    }

    private FileCluster freeCluster() {
        int i = freeClusters.nextSetBit(0);
        if (i < 0) {
            return null;
        }
        freeClusters.clear(i);
        long limit = Math.min(FileCluster.BLOCKS, capacity - (long) i * FileCluster.BLOCKS);
        FileCluster c = new FileCluster(i, (int) limit);
        clusters[i] = c;
        nonfull.addLast(c);
        return c;
    }

    /**
     * Frees the object stored at byte {@code offset} (its page was read back, freed, moved
     * elsewhere, or never published); the blocks only it still used are free again.
     */
    public synchronized void free(long offset, int length) {
        release(offset, length);
        noSpace = false;   // room again, perhaps: the next writeback finds out
    }

    private void release(long offset, int length) {
        FileCluster c = cluster(offset / BLOCK_BYTES);
        boolean wasFull = c.full();
        int blocksBefore = c.usedBlocks;
        if (!c.free((int) (offset % CLUSTER_BYTES), length)) {
            throw new IllegalStateException("double free of the object at byte " + offset + " of swap file " + path);
        }
        used--;
        usedBlocks -= blocksBefore - c.usedBlocks;
        afterRelease(c, wasFull);
    }

    /** ENOSPC and its kin say "no room", not "bad medium". */
    public static boolean noSpace(int errno) {
        return errno == libc_h.ENOSPC() || errno == libc_h.EDQUOT() || errno == libc_h.EFBIG();
    }

    /** Gives back a run that was allocated but not written (the write failed for want of space). */
    public synchronized void unallocate(SwapFiles.Run run) {
        for (int i = 0; i < run.length(); i++) {
            release(run.offset(i), run.objectLength(i));
        }
    }

    /** A write to this run failed: its blocks are never used again, and its objects are gone with them. */
    public synchronized void markBad(SwapFiles.Run run) {
        FileCluster c = cluster(run.firstBlock());
        boolean wasFull = c.full();
        int blocksBefore = c.usedBlocks;
        used -= c.markBad(run.packed());
        usedBlocks -= blocksBefore - c.usedBlocks;
        bad += run.blocks();
        afterRelease(c, wasFull);
    }

    /**
     * List moves after a block left the in-use state. An emptied cluster is punched out of the
     * file here, under the lock: once the lock is dropped its blocks can be allocated and written
     * again, and a punch after that write would destroy the page.
     */
    private void afterRelease(FileCluster c, boolean wasFull) {
        if (c.empty()) {
            nonfull.remove(c);
            clusters[c.index] = null;
            freeClusters.set(c.index);
            punchCluster(c.index);
            return;
        }
        if (wasFull && !c.full()) {
            nonfull.addLast(c);
        }
        if (c.unpunchedCount() >= PUNCH_BATCH_BLOCKS) {
            // Blocks inside a cluster still in use: the same rule as for an emptied cluster,
            // punched here under the lock, before any of them can be allocated and written again.
            long base = (long) c.index * CLUSTER_BYTES;
            c.takeUnpunched((first, n) -> punch(base + (long) first * BLOCK_BYTES, (long) n * BLOCK_BYTES));
        }
    }

    private FileCluster cluster(long block) {
        FileCluster c = block >= 0 && block < capacity ? clusters[(int) (block / FileCluster.BLOCKS)] : null;
        if (c == null) {
            throw new IllegalStateException("block " + block + " of swap file " + path + " is not in use");
        }
        return c;
    }

    /** Gives an emptied cluster's disk blocks back. */
    private void punchCluster(long cluster) {
        punch(cluster * CLUSTER_BYTES, CLUSTER_BYTES);
    }

    /** Gives the disk space of free blocks back; a file system without hole punching keeps it. */
    private void punch(long offset, long bytes) {
        Syscalls.fallocate(fd, libc_h.FALLOC_FL_PUNCH_HOLE() | libc_h.FALLOC_FL_KEEP_SIZE(), offset, bytes);
    }

    /**
     * The reverse map of one cluster: the live objects that start in it (virtual slots and byte
     * offsets in the file, in file order within each run); returns how many, or minus how
     * many when the arrays are too short for them.
     */
    public synchronized int objectsIn(int cluster, long[] vslots, long[] offsets) {
        FileCluster c = clusters[cluster];
        if (c == null) {
            return 0;
        }
        if (c.objectCount() > Math.min(vslots.length, offsets.length)) {
            return -c.objectCount();
        }
        int[] starts = new int[c.objectCount()];
        int n = c.objects(vslots, starts);
        for (int i = 0; i < n; i++) {
            offsets[i] = (long) cluster * CLUSTER_BYTES + starts[i];
        }
        return n;
    }

    public int clusterCount() {
        return clusters.length;
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public int groupCount() {
        return clusterCount();
    }

    /** One {@code pread} of the bytes the objects span (one cluster's: runs never cross its end). */
    @Override
    public int readObjects(MemorySegment buf, long[] handles, int n, long[] at, String[] why) {
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (int i = 0; i < n; i++) {
            lo = Math.min(lo, FileHandle.offset(handles[i]));
            hi = Math.max(hi, FileHandle.offset(handles[i]) + FileHandle.length(handles[i]));
        }
        int err = read(buf, hi - lo, lo);
        if (err != 0) {
            why[0] = Errno.describe(-err);
            return err;
        }
        for (int i = 0; i < n; i++) {
            at[i] = FileHandle.offset(handles[i]) - lo;
        }
        return 0;
    }

    /**
     * Writes {@code iovcnt} iovecs at block {@code first}; they must cover exactly
     * {@code n} blocks. Returns 0 or -errno (a short write counts as ENOSPC).
     */
    public int write(long first, int n, MemorySegment iov, int iovcnt) {
        synchronized (this) {
            if (injectCount > 0) {
                injectCount--;
                return -injectErrno;
            }
        }
        long want = n * BLOCK_BYTES;
        long got = Syscalls.pwritev(fd, iov, iovcnt, first * BLOCK_BYTES);
        if (got < 0) {
            int errno = Errno.last();
            if (noSpace(errno)) {
                setNoSpace();
            }
            return -errno;
        }
        if (got != want) {
            setNoSpace();
            return -libc_h.ENOSPC();
        }
        // Start writing the pages to disk now, so the page cache can drop them soon after.
        Syscalls.posix_fadvise(fd, first * BLOCK_BYTES, want, libc_h.POSIX_FADV_DONTNEED());
        return 0;
    }

    /** Drops this file's clean pages from the page cache (the data is on disk; memory is what we save). */
    public void dropCache() {
        Syscalls.posix_fadvise(fd, 0, 0, libc_h.POSIX_FADV_DONTNEED());
    }

    /** Reads {@code len} bytes at {@code offset} into {@code buf}; 0 or -errno (-ENODATA past the end). */
    public int read(MemorySegment buf, long len, long offset) {
        long done = 0;
        while (done < len) {
            long got = Syscalls.pread(fd, buf.asSlice(done), len - done, offset + done);
            if (got < 0) {
                int errno = Errno.last();
                if (errno == libc_h.EINTR()) {
                    continue;
                }
                return -errno;
            }
            if (got == 0) {
                return -61;   // ENODATA: shorter than what was written
            }
            done += got;
        }
        return 0;
    }

    /** Tests: the next {@code count} writes fail with {@code errno}. */
    public synchronized void injectWriteErrors(int errno, int count) {
        injectErrno = errno;
        injectCount = count;
    }

    /** Whether the path no longer names this file (deleted or replaced); checked by the writer. */
    public boolean checkDeleted() {
        if (unlinked || deleted || closed) {
            return deleted;
        }
        boolean gone;
        try {
            gone = !inode.equals(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            gone = true;
        }
        // A file being retired is removed by its own close(), which sets closed before it deletes
        // the path: a path found gone by then is ours, not a deletion to report (writeback's
        // periodic look reported a retired file as deleted under load, in ObserveJfrTest).
        if (gone && closed) {
            return false;
        }
        deleted = gone;
        return deleted;
    }

    /** Closes the descriptor and removes the file (the caller detached it from the servers first). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        NativeErrors.checkLibc(Syscalls.close(fd), "close(" + path + ")");
        if (!unlinked && !deleted) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new VSwapException("cannot remove swap file " + path + ": " + e, 0);
            }
        }
    }

    @Override
    public String toString() {
        return "SwapFile[" + path + (unlinked ? " (unlinked)" : "") + ", priority " + priority + ", "
                + capacity + " blocks]";
    }
}
