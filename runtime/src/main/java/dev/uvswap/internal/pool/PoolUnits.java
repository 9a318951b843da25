package dev.uvswap.internal.pool;

import dev.uvswap.bindings.uvswap.uvs_unit;
import dev.uvswap.bindings.uvswap.uvswap_h;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compression units in the pool (issue 18; {@code struct uvs_unit} in uvswap.h, read on the
 * fault path by uvs_codec.c's {@code unit_page}): the 16 pages of an aligned 64 KiB run that
 * left together, compressed as one zstd frame. The frame is kept as 4 KiB pieces, each an
 * ordinary pool object, under a header object that names them, so the pool needs no size class
 * above a page. Each page keeps its own slot; its handle names the header, with the length
 * field at {@code 4097 + index}, a length no single page has.
 *
 * <p>Only Java writes a header, before the first descriptor names the unit (the descriptor's
 * CAS publishes it), and only Java changes its live mask: a bit per page still named by a slot,
 * cleared with a CAS when that slot is freed (a swap-in's completion, a close, a store whose
 * CAS lost to a fault). Whoever clears the last bit frees the pieces and the header.
 *
 * <p>Charges: a unit's pool bytes (header and frame) are split over its 16 pages, so a group
 * is charged for each page it holds and uncharged the same share when the page goes.
 */
public final class PoolUnits {
    public static final int PAGES = uvswap_h.UVS_UNIT_PAGES();
    public static final int PIECE = uvswap_h.UVS_UNIT_PIECE();
    public static final int MAX_PIECES = uvswap_h.UVS_UNIT_MAX_PIECES();
    private static final int LEN_BASE = uvswap_h.UVS_UNIT_LEN_BASE();
    private static final long ALL_LIVE = (1L << PAGES) - 1;
    /** Set while writeback splits the unit: the header and pieces stay until it is cleared. */
    private static final long PIN = 1L << PAGES;
    /** (MemorySegment, long byteOffset) → long; the header is 32-byte aligned (a pool object). */
    private static final VarHandle LIVE = ValueLayout.JAVA_LONG.varHandle();

    private final CompressedPool pool;
    private final MemorySegment area;
    private final AtomicLong serials = new AtomicLong();
    /** Pool objects (pieces and headers) of live units. */
    private final AtomicLong objects = new AtomicLong();
    /** Pages the live units' slots still name. */
    private final AtomicLong pages = new AtomicLong();
    /** Units ever stored. */
    private final AtomicLong stored = new AtomicLong();

    PoolUnits(CompressedPool pool) {
        this.pool = pool;
        this.area = pool.area();
    }

    /** The handle of page {@code index} of the unit whose header is at {@code header}. */
    public static long handle(long header, int index) {
        if (index < 0 || index >= PAGES) {
            throw new IllegalArgumentException("unit page index out of range: " + index);
        }
        return (header << PoolHandle.OFF_SHIFT) | ((long) (LEN_BASE + index) << PoolHandle.FMT_BITS) | PoolHandle.FMT_ZSTD;
    }

    /** {@code uvs_handle_is_unit}. */
    public static boolean isUnit(long h) {
        return PoolHandle.length(h) >= LEN_BASE;
    }

    /** {@code uvs_handle_unit_page}. */
    public static int index(long h) {
        return PoolHandle.length(h) - LEN_BASE;
    }

    private static int headerBytes(int pieces) {
        return (int) uvs_unit.piece$offset() + pieces * Long.BYTES;
    }

    /** The 4 KiB pieces a frame of {@code len} bytes is kept in (the header's pieces field, which C reads). */
    private static int pieces(int len) {
        return (len + PIECE - 1) / PIECE;
    }

    /** The pool bytes a unit with a frame of {@code len} bytes takes (header and pieces). */
    public static int bytesFor(int len) {
        return headerBytes(pieces(len)) + len;
    }

    /** The frame length of the unit at {@code header}. Only while a page of it is live or it is pinned. */
    private int len(long header) {
        return area.get(ValueLayout.JAVA_INT, header + uvs_unit.len$offset());
    }

    /** Page {@code index}'s share of a unit of {@code bytes} pool bytes: the shares add up to it. */
    public static int share(int bytes, int index) {
        return bytes / PAGES + (index < bytes % PAGES ? 1 : 0);
    }

    /**
     * Stores a frame of {@code len} bytes at {@code frame} as a unit with all 16 pages live, page
     * k's slot being {@code vslots[from + k]}; returns its header's offset, or -1 when the pool
     * refused a piece or the header (nothing is left allocated then). The caller publishes the
     * pages' handles.
     */
    public long store(MemorySegment frame, int len, long[] vslots, int from) {
        int pieces = pieces(len);
        if (len < 1 || pieces > MAX_PIECES) {
            throw new IllegalArgumentException("unit frame of " + len + " bytes");
        }
        long[] at = new long[pieces];
        for (int k = 0; k < pieces; k++) {
            int n = Math.min(PIECE, len - k * PIECE);
            at[k] = pool.allocate(n);
            if (at[k] < 0) {
                freePieces(at, k, len);
                return -1;
            }
            MemorySegment.copy(frame, (long) k * PIECE, area, at[k], n);
        }
        long header = pool.allocate(headerBytes(pieces));
        if (header < 0) {
            freePieces(at, pieces, len);
            return -1;
        }
        area.set(ValueLayout.JAVA_LONG, header + uvs_unit.serial$offset(), serials.incrementAndGet());
        area.set(ValueLayout.JAVA_INT, header + uvs_unit.len$offset(), len);
        area.set(ValueLayout.JAVA_SHORT, header + uvs_unit.pieces$offset(), (short) pieces);
        area.set(ValueLayout.JAVA_SHORT, header + uvs_unit.pages$offset(), (short) PAGES);
        for (int k = 0; k < PAGES; k++) {
            area.set(ValueLayout.JAVA_LONG, header + uvs_unit.vslot$offset() + (long) k * Long.BYTES, vslots[from + k]);
        }
        for (int k = 0; k < pieces; k++) {
            area.set(ValueLayout.JAVA_LONG, header + uvs_unit.piece$offset() + (long) k * Long.BYTES, at[k]);
        }
        // Plain: the descriptors' CAS (volatile) publishes the header to C and to whoever frees.
        area.set(ValueLayout.JAVA_LONG, header + uvs_unit.live$offset(), ALL_LIVE);
        objects.addAndGet(pieces + 1);
        pages.addAndGet(PAGES);
        stored.incrementAndGet();
        return header;
    }

    /** The pool bytes of the unit at {@code header}: what its 16 shares add up to. Only while a page of it is live. */
    public int bytes(long header) {
        return bytesFor(len(header));
    }

    /**
     * Page {@code index} of the unit at {@code header} is no longer named by its slot: clears its
     * bit, and frees the unit when it was the last and no split holds it. Returns the page's
     * share of the unit's bytes (its charge).
     *
     * @throws IllegalStateException if the page was released already
     */
    public int release(long header, int index) {
        // Read before the CAS: once the last bit is clear the header may be freed and reused.
        int len = len(header);
        long bit = 1L << index;
        for (;;) {
            long live = (long) LIVE.getVolatile(area, header + uvs_unit.live$offset());
            if ((live & bit) == 0) {
                throw new IllegalStateException("unit at pool offset " + header + ": page " + index + " released twice");
            }
            if (LIVE.compareAndSet(area, header + uvs_unit.live$offset(), live, live & ~bit)) {
                pages.decrementAndGet();
                if ((live & ~bit) == 0) {   // no page left and no pin
                    free(header, len);
                }
                return share(bytesFor(len), index);
            }
        }
    }

    /** Whether page {@code index} of the unit at {@code header} is still named by its slot. Only while pinned. */
    public boolean isLive(long header, int index) {
        return ((long) LIVE.getVolatile(area, header + uvs_unit.live$offset()) & (1L << index)) != 0;
    }

    /** Page {@code index}'s slot, as stored. Only while pinned or while that page is live. */
    public long vslot(long header, int index) {
        return area.get(ValueLayout.JAVA_LONG, header + uvs_unit.vslot$offset() + (long) index * Long.BYTES);
    }

    /**
     * Holds the unit at {@code header} for a split: until {@link #unpin}, releasing its last page
     * does not free it, so its header, pieces and offset stay its own. The caller must hold a
     * page's live bit while it pins (UnitSplit: the unit page it claimed WRITEBACK, whose bit no
     * one else releases), so the word is this unit's and not a freed or reused object's. False
     * if no page is live or the unit is pinned already.
     */
    public boolean pin(long header) {
        for (;;) {
            long live = (long) LIVE.getVolatile(area, header + uvs_unit.live$offset());
            if ((live & ALL_LIVE) == 0 || (live & ~(ALL_LIVE)) != 0) {
                return false;
            }
            if (LIVE.compareAndSet(area, header + uvs_unit.live$offset(), live, live | PIN)) {
                return true;
            }
        }
    }

    /** Ends a split: the unit is freed now if its last page went meanwhile. */
    public void unpin(long header) {
        int len = len(header);
        for (;;) {
            long live = (long) LIVE.getVolatile(area, header + uvs_unit.live$offset());
            if ((live & PIN) == 0) {
                throw new IllegalStateException("unit at pool offset " + header + " is not pinned");
            }
            if (LIVE.compareAndSet(area, header + uvs_unit.live$offset(), live, live & ~PIN)) {
                if ((live & ALL_LIVE) == 0) {
                    free(header, len);
                }
                return;
            }
        }
    }

    private void free(long header, int len) {
        int pieces = pieces(len);
        long[] at = new long[pieces];
        for (int k = 0; k < pieces; k++) {
            at[k] = area.get(ValueLayout.JAVA_LONG, header + uvs_unit.piece$offset() + (long) k * Long.BYTES);
        }
        freePieces(at, pieces, len);
        pool.free(header, headerBytes(pieces));
        objects.addAndGet(-(pieces + 1));
    }

    private void freePieces(long[] at, int n, int len) {
        for (int k = 0; k < n; k++) {
            pool.free(at[k], Math.min(PIECE, len - k * PIECE));
        }
    }

    /** Pool objects (pieces and headers) the live units take. */
    public long objects() {
        return objects.get();
    }

    /** Pages the live units hold. */
    public long pages() {
        return pages.get();
    }

    /** Units stored since the VSwap was built. */
    public long stored() {
        return stored.get();
    }
}
