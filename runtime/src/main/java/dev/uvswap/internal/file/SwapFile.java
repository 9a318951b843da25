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
 * One swap file: a sparse file of 4 KiB slots in 512-slot clusters (free, nonfull and full, as
 * the kernel's swap device), with the allocated and bad bitmaps and the reverse map in
 * {@link FileCluster}. Slots are handed out only by writeback and pool rejects, so a file the
 * pool never overflows stays empty; a cluster whose last slot is freed is punched out of the
 * file, which then takes only the disk space of the slots in use.
 *
 * <p>The fault servers read slots with {@code pread} on {@link #fd()}; this class does the
 * writes ({@code pwritev}, one call a contiguous run) and the bookkeeping. One lock guards the
 * clusters; writes run outside it.
 */
public final class SwapFile implements AutoCloseable {
    public static final long SLOT_BYTES = dev.uvswap.internal.os.Pages.BYTES;   // one page a slot
    /** The largest file: what a file handle's 41-bit offset can address. */
    public static final long MAX_BYTES = (FileHandle.MAX_OFFSET + 1) & -SLOT_BYTES;
    static final long CLUSTER_BYTES = FileCluster.SLOTS * SLOT_BYTES;

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
    private long used;
    private long bad;
    private volatile boolean retiring;
    /** The file system said ENOSPC: no allocation until a slot is freed or this time (nanoTime) passes. */
    private volatile boolean noSpace;
    private volatile long noSpaceUntil;
    private volatile boolean deleted;
    private int injectErrno;
    private int injectCount;
    private boolean closed;

    private SwapFile(Path path, boolean unlinked, int index, int priority, int fd, long capacity, Object inode) {
        this.path = path;
        this.unlinked = unlinked;
        this.index = index;
        this.priority = priority;
        this.fd = fd;
        this.capacity = capacity;
        this.inode = inode;
        int nclusters = (int) ((capacity + FileCluster.SLOTS - 1) / FileCluster.SLOTS);
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
        long capacity = checkSize(path, maxBytes) / SLOT_BYTES;
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
        return maxBytes & -SLOT_BYTES;
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

    public long capacity() {
        return capacity;
    }

    public synchronized long used() {
        return used;
    }

    public synchronized long bad() {
        return bad;
    }

    /** Whether new slots may come from this file: not retiring, not out of space, not deleted, not full. */
    public synchronized boolean accepting() {
        return !retiring && !outOfSpace() && !deleted && !closed && used + bad < capacity;
    }

    /** Full: every slot is in use or bad. */
    public synchronized boolean full() {
        return used + bad == capacity;
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

    /** Stops new allocations (the first step of a retire); slots in use are unaffected. */
    public void retiring(boolean on) {
        retiring = on;
    }

    public boolean retiring() {
        return retiring;
    }

    /**
     * Allocates a run of at most {@code n} contiguous slots for {@code vslots[from..]}, recording
     * each in the reverse map. Returns {@code firstSlot << 10 | length}, or 0 when the file takes
     * no more. A large request prefers an empty cluster, so it is written with one call.
     */
    public synchronized long allocate(int n, long[] vslots, int from) {
        if (retiring || outOfSpace() || deleted || closed || n <= 0) {
            return 0;
        }
        n = Math.min(n, FileCluster.SLOTS);
        FileCluster c = n >= 64 ? freeCluster() : null;
        if (c == null) {
            c = nonfull.isEmpty() ? freeCluster() : nonfull.getFirst();
        }
        if (c == null) {
            return 0;
        }
        long run = c.allocateRun(n, vslots, from);
        if (c.full()) {
            nonfull.remove(c);
        }
        int length = (int) run;
        used += length;
        long first = (long) c.index * FileCluster.SLOTS + (run >>> 32);
        return length == 0 ? 0 : first << 10 | length;
    }

    public static long runFirst(long run) {
        return run >>> 10;
    }

    public static int runLength(long run) {
        return (int) (run & 1023);
    }

    private FileCluster freeCluster() {
        int i = freeClusters.nextSetBit(0);
        if (i < 0) {
            return null;
        }
        freeClusters.clear(i);
        long limit = Math.min(FileCluster.SLOTS, capacity - (long) i * FileCluster.SLOTS);
        FileCluster c = new FileCluster(i, (int) limit);
        clusters[i] = c;
        nonfull.addLast(c);
        return c;
    }

    /** Frees an allocated slot (its page was read back, freed, or moved elsewhere). */
    public synchronized void free(long slot) {
        release(slot);
        noSpace = false;   // room again, perhaps: the next writeback finds out
    }

    private void release(long slot) {
        FileCluster c = cluster(slot);
        boolean wasFull = c.full();
        if (!c.free((int) (slot % FileCluster.SLOTS))) {
            throw new IllegalStateException("double free of slot " + slot + " of swap file " + path);
        }
        used--;
        afterRelease(c, wasFull);
    }

    /** ENOSPC and its kin say "no room", not "bad medium". */
    public static boolean noSpace(int errno) {
        return errno == libc_h.ENOSPC() || errno == libc_h.EDQUOT() || errno == libc_h.EFBIG();
    }

    /** Gives back slots that were allocated but not published (the write failed for want of space, or lost a race). */
    public synchronized void unallocate(long first, int n) {
        for (long s = first; s < first + n; s++) {
            release(s);
        }
    }

    /** A write to these allocated slots failed: they are never used again. */
    public synchronized void markBad(long first, int n) {
        for (long s = first; s < first + n; s++) {
            FileCluster c = cluster(s);
            boolean wasFull = c.full();
            if (c.isAllocated((int) (s % FileCluster.SLOTS))) {
                c.markBad((int) (s % FileCluster.SLOTS));
                used--;
                bad++;
                afterRelease(c, wasFull);
            }
        }
    }

    /**
     * List moves after a slot left the allocated state. An emptied cluster is punched out of the
     * file here, under the lock: once the lock is dropped its slots can be allocated and written
     * again, and a punch after that write would destroy the page.
     */
    private void afterRelease(FileCluster c, boolean wasFull) {
        if (c.empty()) {
            nonfull.remove(c);
            clusters[c.index] = null;
            freeClusters.set(c.index);
            punchCluster(c.index);
        } else if (wasFull) {
            nonfull.addLast(c);
        }
    }

    private FileCluster cluster(long slot) {
        FileCluster c = slot >= 0 && slot < capacity ? clusters[(int) (slot / FileCluster.SLOTS)] : null;
        if (c == null) {
            throw new IllegalStateException("slot " + slot + " of swap file " + path + " is not allocated");
        }
        return c;
    }

    /** Gives an emptied cluster's disk blocks back; a file system without hole punching keeps them. */
    private void punchCluster(long cluster) {
        Syscalls.fallocate(fd, libc_h.FALLOC_FL_PUNCH_HOLE() | libc_h.FALLOC_FL_KEEP_SIZE(),
                cluster * CLUSTER_BYTES, CLUSTER_BYTES);
    }

    /** The virtual slot the reverse map records for an allocated slot, or 0 if it is not allocated. */
    public synchronized long vslot(long slot) {
        FileCluster c = slot >= 0 && slot < capacity ? clusters[(int) (slot / FileCluster.SLOTS)] : null;
        int i = (int) (slot % FileCluster.SLOTS);
        return c != null && c.isAllocated(i) ? c.vslot(i) : 0;
    }

    /** Allocated slots of one cluster, in order, into {@code out}; returns how many. */
    public synchronized int allocatedIn(int cluster, long[] out) {
        FileCluster c = clusters[cluster];
        int n = 0;
        for (int i = 0; c != null && i < FileCluster.SLOTS; i++) {
            if (c.isAllocated(i)) {
                out[n++] = (long) cluster * FileCluster.SLOTS + i;
            }
        }
        return n;
    }

    public int clusterCount() {
        return clusters.length;
    }

    /**
     * Writes {@code iovcnt} iovecs at slot {@code first}; they must cover exactly
     * {@code n} slots. Returns 0 or -errno (a short write counts as ENOSPC).
     */
    public int write(long first, int n, MemorySegment iov, int iovcnt) {
        synchronized (this) {
            if (injectCount > 0) {
                injectCount--;
                return -injectErrno;
            }
        }
        long want = n * SLOT_BYTES;
        long got = Syscalls.pwritev(fd, iov, iovcnt, first * SLOT_BYTES);
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
        Syscalls.posix_fadvise(fd, first * SLOT_BYTES, want, libc_h.POSIX_FADV_DONTNEED());
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
        if (unlinked || deleted) {
            return deleted;
        }
        try {
            deleted = !inode.equals(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            deleted = true;
        }
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
                + capacity + " slots]";
    }
}
