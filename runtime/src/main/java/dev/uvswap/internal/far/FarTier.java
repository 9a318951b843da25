package dev.uvswap.internal.far;

import dev.uvswap.FarTierEvent;
import dev.uvswap.FarTierSpec;
import dev.uvswap.FarTierStats;
import dev.uvswap.VSwapException;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.BackgroundErrors;
import dev.uvswap.internal.ctx.Doorbell;
import dev.uvswap.internal.file.FileHandle;
import dev.uvswap.internal.file.Retirable;
import dev.uvswap.internal.os.NativeErrors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The far tier: pages that leave the pool when no local swap file has room go to a Redis
 * server (architecture.md §10). Java peer of uvs_far.c, which reads objects on the fault path;
 * this class writes them (pipelined {@code SET key value NX}), frees them ({@code UNLINK},
 * batched on its own thread) and reads them for retire ({@code MGET}).
 *
 * <p>Each attach draws a random 128-bit instance: keys are {@code uvs:<instance>:<id>}, and
 * every value carries the instance's 64-bit tag and the object id in its {@link FarRecord}, so
 * a second uvswap on the same server can neither see nor clobber this one's pages ({@code NX}:
 * a key that exists is never overwritten). Ids are handed out once and never reused, so a
 * write whose reply was lost can never be mistaken for a later object. A page is published
 * (its descriptor says FILE) only after the server answered {@code +OK} for it.
 */
public final class FarTier implements Retirable, AutoCloseable {
    private static final long UNLINK_IDLE_NANOS = 1_000_000_000L;
    private static final int UNLINK_BATCH = 512;
    /** After a refusal (full server, no connection) writeback tries the tier again after this. */
    private static final long RETRY_NANOS = 1_000_000_000L;

    private final MemorySegment ctx;
    private final int index;
    private final String server;
    private final InetSocketAddress address;
    private final int timeoutMillis;
    private final long maxBytes;
    private final String prefix;
    private final long tag;
    private final Consumer<FarTierEvent> listener;
    /** {@code AUTH [user] password} for each connection, or null. */
    private final Object[] auth;

    /** The reverse map; guarded by itself (never held across network I/O). */
    private final FarObjects objects = new FarObjects();
    /** Writeback's connection (null: connect on next use); guarded by this. */
    private RespConnection writer;
    private final FarRecord record = new FarRecord();

    /** Guarded by {@link #pendingLock}: ids freed, not yet unlinked. */
    private final Object pendingLock = new Object();
    private long[] pending = new long[UNLINK_BATCH];
    private int pendingCount;
    private final Doorbell unlinkBell = new Doorbell();
    private final Thread unlinker;
    private final BackgroundErrors unlinkErrors = new BackgroundErrors("uvswap-far-unlink");

    private volatile boolean retiring;
    private volatile boolean closing;
    /** nanoTime before which writeback does not try the tier (it refused the last batch); 0: try. */
    private volatile long refusedUntil;

    private final AtomicLong storedBytes = new AtomicLong();
    private final LongAdder written = new LongAdder();
    private final LongAdder writeRefusals = new LongAdder();
    private final LongAdder unreachable = new LongAdder();
    private final LongAdder full = new LongAdder();
    private final LongAdder unlinked = new LongAdder();
    private final LongAdder demoted = new LongAdder();

    private FarTier(MemorySegment ctx, int index, FarTierSpec spec) throws IOException {
        String host = spec.host();
        int port = spec.port();
        this.ctx = ctx;
        this.index = index;
        this.timeoutMillis = (int) spec.timeout().toMillis();
        this.maxBytes = spec.maxBytes();
        this.listener = spec.events();
        this.auth = spec.password() == null ? null
                : spec.user() == null ? new Object[] {"AUTH", spec.password()} : new Object[] {"AUTH", spec.user(), spec.password()};
        InetAddress ip = InetAddress.getByName(host);
        this.address = new InetSocketAddress(ip, port);
        this.server = "redis://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        byte[] instance = new byte[16];
        new SecureRandom().nextBytes(instance);
        this.prefix = "uvs:" + HexFormat.of().formatHex(instance) + ":";
        this.tag = java.nio.ByteBuffer.wrap(instance).getLong();
        this.unlinker = Thread.ofPlatform().daemon().name("uvswap-far-unlink").unstarted(this::unlinkLoop);
    }

    /**
     * Connects, checks the server (it must not evict keys), claims the instance and attaches the
     * tier to C at {@code index}. Fails with a clear error, attaching nothing, when the server
     * cannot be reached or may lose pages.
     */
    public static FarTier open(MemorySegment ctx, int index, FarTierSpec spec) {
        FarTier t;
        try {
            t = new FarTier(ctx, index, spec);
        } catch (IOException e) {
            throw new VSwapException("far tier " + spec.host() + ":" + spec.port() + ": " + e.getMessage(), 0);
        }
        t.checkAndClaim();
        try (Arena a = Arena.ofConfined()) {
            byte[] hello = t.helloBytes();
            MemorySegment h = hello.length == 0 ? MemorySegment.NULL : a.allocateFrom(ValueLayout.JAVA_BYTE, hello);
            NativeErrors.check(uvswap_h.uvs_far_attach(ctx, index, a.allocateFrom(t.address.getAddress().getHostAddress()),
                    spec.port(), a.allocateFrom(t.prefix), t.tag, t.timeoutMillis, h, hello.length),
                    "uvs_far_attach(" + t.server + ")");
        } catch (RuntimeException e) {
            t.releaseClaim();
            throw e;
        }
        t.unlinker.start();
        return t;
    }

    /** A connection, authenticated when the tier has a password. */
    private RespConnection connect() throws IOException {
        RespConnection c = new RespConnection(address, timeoutMillis);
        if (auth != null) {
            RespConnection.Reply r;
            try {
                r = c.call(auth);
            } catch (IOException e) {
                c.close();
                throw e;
            }
            if (!r.isOk()) {
                c.close();
                throw new IOException("AUTH refused: " + r);
            }
        }
        return c;
    }

    /** The AUTH command as RESP bytes, for C to send on each of its connections; empty without a password. */
    private byte[] helloBytes() {
        if (auth == null) {
            return new byte[0];
        }
        byte[] hello = RespConnection.encode(auth);
        if (hello.length > 1024) {
            throw new IllegalArgumentException("the far tier's AUTH user and password are over 1 KiB");
        }
        return hello;
    }

    /** PING; the eviction policy; {@code SET <prefix>owner NX}. */
    private void checkAndClaim() {
        try (RespConnection c = connect()) {
            RespConnection.Reply pong = c.call("PING");
            if (pong instanceof RespConnection.Reply.Error e) {
                throw refuse("PING answered " + e.text());
            }
            RespConnection.Reply policy = c.call("CONFIG", "GET", "maxmemory-policy");
            String p = policy instanceof RespConnection.Reply.Array a && a.items().size() == 2
                    && a.items().get(1) instanceof RespConnection.Reply.Bulk b && b.bytes() != null
                    ? new String(b.bytes(), StandardCharsets.UTF_8) : null;
            if (p == null) {
                throw refuse("CONFIG GET maxmemory-policy answered " + policy
                        + ": uvswap cannot tell whether the server may evict its pages");
            }
            if (p.startsWith("allkeys-")) {
                throw refuse("maxmemory-policy is " + p + ", which evicts any key when the server is full and"
                        + " would lose pages; use noeviction (or a volatile-* policy: uvswap sets no TTL)");
            }
            RespConnection.Reply owner = c.call("SET", prefix + "owner", ProcessHandle.current().pid() + "", "NX");
            if (!owner.isOk()) {
                throw refuse("could not claim instance " + prefix + ": " + owner);
            }
        } catch (IOException e) {
            throw new VSwapException("far tier " + server + " cannot be reached: " + e.getMessage(), 0);
        }
    }

    private VSwapException refuse(String why) {
        return new VSwapException("far tier " + server + ": " + why, 0);
    }

    private void releaseClaim() {
        try (RespConnection c = connect()) {
            c.call("UNLINK", prefix + "owner");
        } catch (IOException ignored) {
            // best effort: the key names an instance nobody will use again
        }
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return server;
    }

    public String server() {
        return server;
    }

    /** The keys' prefix (tests look at the server's side). */
    public String keyPrefix() {
        return prefix;
    }

    public String key(long id) {
        return prefix + HexFormat.of().toHexDigits(id);
    }

    @Override
    public long used() {
        synchronized (objects) {
            return objects.live();
        }
    }

    @Override
    public void retiring(boolean on) {
        synchronized (objects) {
            retiring = on;
        }
    }

    /** Whether writeback may try the tier now. */
    public boolean accepting() {
        long until = refusedUntil;
        return !retiring && !closing && storedBytes.get() < maxBytes && (until == 0 || System.nanoTime() - until > 0);
    }

    /**
     * Stores objects {@code from .. from+n} ({@code base + offsets[i]}, {@code lengths[i]},
     * {@code fmts[i]}, for slot {@code vslots[i]}) with one pipelined round of {@code SET NX}.
     * {@code ids[i]} gets the object's id, or -1 where the server did not say {@code +OK}: those
     * stay the caller's (nothing of them is published). Returns how many were stored.
     */
    public synchronized int store(MemorySegment base, long[] vslots, long[] offsets, int[] lengths, int[] fmts,
                                  int from, int n, long[] ids) {
        Arrays.fill(ids, from, from + n, -1);
        long room = maxBytes - storedBytes.get();
        int take = 0;
        for (long bytes = 0; take < n && (bytes += lengths[from + take]) <= room; ) {
            take++;
        }
        if (take == 0) {
            refused(null);
            return 0;
        }
        synchronized (objects) {
            // Checked with the ids' allocation, under the lock used() takes: a retire that set
            // retiring and then saw used() == 0 can remove the tier with no store left to publish.
            if (retiring || closing) {
                return 0;
            }
            for (int i = from; i < from + take; i++) {
                ids[i] = objects.allocate(vslots[i]);
            }
        }
        int ok = 0;
        int answered = 0;
        String refusal = null;
        try {
            RespConnection c = writer();
            for (int i = from; i < from + take; i++) {
                byte[] key = key(ids[i]).getBytes(StandardCharsets.US_ASCII);
                byte[] head = record.header(tag, ids[i], base, offsets[i], lengths[i], fmts[i]);
                c.arrayHeader(4).bulk(SET, 0, SET.length);
                c.bulk(key, 0, key.length);
                c.bulkHeader(FarRecord.BYTES + lengths[i]);
                c.raw(head, 0, FarRecord.BYTES);
                c.raw(record.body(), 0, lengths[i]);
                c.endBulk();
                c.bulk(NX, 0, NX.length);
            }
            c.flush();
            for (int i = from; i < from + take; i++) {
                RespConnection.Reply r = c.read();
                answered++;
                if (r.isOk()) {
                    ok++;
                } else {
                    refusal = refusal == null ? r.toString() : refusal;
                    forget(ids[i]);   // not stored (an error), or a key we must not touch (nil)
                    ids[i] = -1;
                }
            }
        } catch (IOException e) {
            dropWriter();
            // The replies not read: those SETs may or may not have been applied. Not ours to
            // publish; their keys are unlinked (a key never written costs an UNLINK of nothing).
            for (int i = from + answered; i < from + take; i++) {
                if (ids[i] >= 0) {
                    forget(ids[i]);
                    queueUnlink(ids[i]);
                    ids[i] = -1;
                }
            }
            unreachable.increment();
            refusedUntil = System.nanoTime() + RETRY_NANOS;
            emit(new FarTierEvent.Unreachable(server, e.toString()));
            return ok;
        }
        if (refusal != null) {
            refused(refusal);
        } else {
            refusedUntil = 0;
        }
        return ok;
    }

    private static final byte[] SET = {'S', 'E', 'T'};
    private static final byte[] NX = {'N', 'X'};
    /** asm-generic errno values (x86-64 and arm64 alike) for retire's read failures. */
    private static final int EAGAIN = 11;
    private static final int EPROTO = 71;
    private static final int EBADMSG = 74;

    private void forget(long id) {
        synchronized (objects) {
            objects.free(id);
        }
    }

    /** The server (or maxBytes) refused a write: try again after a while, or when a page is freed. */
    private void refused(String reply) {
        refusedUntil = System.nanoTime() + RETRY_NANOS;
        if (reply == null || reply.contains("OOM")) {
            full.increment();
            emit(new FarTierEvent.Full(server, reply == null ? "maxBytes " + maxBytes + " reached" : reply));
        } else {
            writeRefusals.increment();
            emit(new FarTierEvent.WriteRefused(server, reply));
        }
    }

    private RespConnection writer() throws IOException {
        if (writer == null) {
            writer = connect();
        }
        return writer;
    }

    private void dropWriter() {
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }

    /** Object {@code id} of {@code len} bytes was published: a descriptor names it now. */
    public void published(int len) {
        storedBytes.addAndGet(len);
        written.increment();
    }

    /** As {@link #published}, for a page demoted from a swap file. */
    public void publishedFromFile(int len) {
        published(len);
        demoted.increment();
    }

    /** Frees a published object. */
    public void free(long id, int len) {
        storedBytes.addAndGet(-len);
        unpublish(id);
        refusedUntil = 0;   // room made: a full server may take the next batch
    }

    /** Frees an object stored but never published (its CAS lost to a consumer). */
    public void unpublish(long id) {
        boolean live;
        synchronized (objects) {
            live = objects.free(id);
        }
        if (!live) {
            throw new IllegalStateException("far object " + id + " of " + server + " freed twice");
        }
        queueUnlink(id);
    }

    private void queueUnlink(long id) {
        boolean ring;
        synchronized (pendingLock) {
            if (pendingCount == pending.length) {
                pending = Arrays.copyOf(pending, 2 * pending.length);
            }
            pending[pendingCount++] = id;
            ring = pendingCount == UNLINK_BATCH;
        }
        if (ring) {
            unlinkBell.ring();
        }
    }

    private void unlinkLoop() {
        RespConnection c = null;
        while (!closing) {
            try {
                unlinkBell.await(UNLINK_IDLE_NANOS);
            } catch (InterruptedException e) {
                break;
            }
            try {
                c = c == null ? connect() : c;
                unlinkPending(c);
            } catch (IOException e) {
                if (c != null) {
                    c.close();
                    c = null;
                }
                // the ids stay pending: the next round tries again
            } catch (RuntimeException | Error e) {
                unlinkErrors.report(e);
            }
        }
        if (c != null) {
            c.close();
        }
    }

    /** UNLINKs what is pending, in batches; a batch the server did not answer goes back to the queue. */
    private void unlinkPending(RespConnection c) throws IOException {
        for (;;) {
            long[] batch;
            synchronized (pendingLock) {
                if (pendingCount == 0) {
                    return;
                }
                int n = Math.min(pendingCount, UNLINK_BATCH);
                batch = Arrays.copyOfRange(pending, pendingCount - n, pendingCount);
                pendingCount -= n;
            }
            try {
                unlink(c, batch);
            } catch (IOException | RuntimeException e) {
                for (long id : batch) {
                    queueUnlink(id);   // not known to be gone: try again next round
                }
                throw e;
            }
        }
    }

    private void unlink(RespConnection c, long[] batch) throws IOException {
        Object[] args = new Object[batch.length + 1];
        args[0] = "UNLINK";
        for (int i = 0; i < batch.length; i++) {
            args[i + 1] = key(batch[i]);
        }
        RespConnection.Reply r = c.call(args);
        if (r instanceof RespConnection.Reply.Error e) {
            throw new IOException("UNLINK answered " + e.text());
        }
        unlinked.add(batch.length);
    }

    /** Failures the unlinking thread caught and survived. */
    public long backgroundErrors() {
        return unlinkErrors.count();
    }

    /** Ids freed but not yet unlinked on the server. */
    public long pendingUnlinks() {
        synchronized (pendingLock) {
            return pendingCount;
        }
    }

    // ---- retire -----------------------------------------------------------------------------

    @Override
    public int groupCount() {
        synchronized (objects) {
            return objects.chunkCount();
        }
    }

    @Override
    public int objectsIn(int group, long[] vslots, long[] offsets) {
        if (vslots.length < FarObjects.CHUNK || offsets.length < FarObjects.CHUNK) {
            return -FarObjects.CHUNK;
        }
        synchronized (objects) {
            return objects.objectsIn(group, vslots, offsets);
        }
    }

    /** One MGET; every value checked as C checks it before a byte is copied. */
    @Override
    public int readObjects(MemorySegment buf, long[] handles, int n, long[] at, String[] why) {
        Object[] args = new Object[n + 1];
        args[0] = "MGET";
        for (int i = 0; i < n; i++) {
            args[i + 1] = key(FileHandle.offset(handles[i]));
        }
        RespConnection.Reply r;
        try (RespConnection c = connect()) {
            r = c.call(args);
        } catch (IOException e) {
            why[0] = server + " cannot be reached: " + e.getMessage();
            return -EAGAIN;
        }
        if (!(r instanceof RespConnection.Reply.Array a) || a.items().size() != n) {
            why[0] = "MGET answered " + r;
            return -EPROTO;
        }
        long pos = 0;
        for (int i = 0; i < n; i++) {
            long h = handles[i];
            byte[] v = a.items().get(i) instanceof RespConnection.Reply.Bulk b ? b.bytes() : null;
            String bad = FarRecord.check(v, tag, FileHandle.offset(h), FileHandle.length(h), FileHandle.format(h));
            if (bad != null) {
                why[0] = "object " + FileHandle.offset(h) + " " + bad;
                return -EBADMSG;
            }
            MemorySegment.copy(v, FarRecord.BYTES, buf, ValueLayout.JAVA_BYTE, pos, FileHandle.length(h));
            at[i] = pos;
            pos += FileHandle.length(h);
        }
        return 0;
    }

    // ---- stats, events, close ------------------------------------------------------------------

    public FarTierStats stats() {
        return new FarTierStats(server, used(), storedBytes.get(), maxBytes, written.sum(), demoted.sum(), full.sum(),
                writeRefusals.sum(), unreachable.sum(), unlinked.sum(), pendingUnlinks());
    }

    private void emit(FarTierEvent e) {
        if (listener == null) {
            return;
        }
        try {
            listener.accept(e);
        } catch (RuntimeException ignored) {
            // a listener's failure must not stop writeback; the counters still tell
        }
    }

    /** Detaches from C (waiting out readers) and stops unlinking. */
    public void detach() {
        NativeErrors.check(uvswap_h.uvs_far_detach(ctx, index), "uvs_far_detach(" + server + ")");
    }

    /**
     * Stops the tier (after {@link #detach}): every key it still holds is unlinked, best effort
     * (the pages are gone with their VSwap or were moved by retire), and the instance released.
     */
    @Override
    public void close() {
        synchronized (objects) {
            closing = true;
        }
        unlinkBell.ring();
        try {
            unlinker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Long> left = new ArrayList<>();
        synchronized (this) {
            dropWriter();
        }
        synchronized (objects) {
            long[] v = new long[FarObjects.CHUNK];
            long[] ids = new long[FarObjects.CHUNK];
            for (int c = 0; c < objects.chunkCount(); c++) {
                int n = objects.objectsIn(c, v, ids);
                for (int i = 0; i < n; i++) {
                    left.add(ids[i]);
                }
            }
        }
        left.forEach(this::queueUnlink);
        try (RespConnection c = connect()) {
            unlinkPending(c);
            c.call("UNLINK", prefix + "owner");
        } catch (IOException e) {
            // the server is gone: its keys went with it, or stay under an instance nobody reuses
        }
    }
}
