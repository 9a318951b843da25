package dev.uvswap.internal.far;

import java.util.Arrays;

/**
 * The far tier's reverse map: object id → the virtual slot it holds the page of, for retire
 * (the far tier's swapoff reads the map, never a region's page map). Ids are handed out in
 * order and never reused, so the map is an array of chunks of {@link #CHUNK} ids, each dropped
 * once every id in it is allocated and freed: 8 bytes a live page, plus the chunks still
 * partly live. Not thread-safe: {@link FarTier} guards it.
 */
final class FarObjects {
    /** Ids a chunk: a retire pass reads one chunk's live objects at a time. */
    static final int CHUNK = 512;

    private long[][] chunks = new long[16][];
    private int[] live = new int[16];
    /** The next id to hand out. */
    private long next;
    private long liveTotal;

    /** Hands out the next id, for {@code vslot}. */
    long allocate(long vslot) {
        long id = next++;
        int c = chunkOf(id);
        if (c >= chunks.length) {
            int size = Math.max(c + 1, 2 * chunks.length);
            chunks = Arrays.copyOf(chunks, size);
            live = Arrays.copyOf(live, size);
        }
        if (chunks[c] == null) {
            chunks[c] = new long[CHUNK];
        }
        chunks[c][(int) (id % CHUNK)] = vslot + 1;   // 0: no object
        live[c]++;
        liveTotal++;
        return id;
    }

    /** Forgets {@code id}; false if it was not live (a double free: the caller reports it). */
    boolean free(long id) {
        int c = chunkOf(id);
        if (id < 0 || id >= next || c >= chunks.length || chunks[c] == null || chunks[c][(int) (id % CHUNK)] == 0) {
            return false;
        }
        chunks[c][(int) (id % CHUNK)] = 0;
        liveTotal--;
        if (--live[c] == 0 && (long) (c + 1) * CHUNK <= next) {
            chunks[c] = null;   // every id of it was handed out and is gone
        }
        return true;
    }

    long live() {
        return liveTotal;
    }

    /** Chunks an id has been handed out in. */
    int chunkCount() {
        return next == 0 ? 0 : chunkOf(next - 1) + 1;
    }

    /**
     * The live objects of chunk {@code c}: their slots into {@code vslots} and ids into
     * {@code ids} (each at least {@link #CHUNK} long); returns how many.
     */
    int objectsIn(int c, long[] vslots, long[] ids) {
        if (c >= chunks.length || chunks[c] == null) {
            return 0;
        }
        int n = 0;
        long[] chunk = chunks[c];
        for (int i = 0; i < CHUNK; i++) {
            if (chunk[i] != 0) {
                vslots[n] = chunk[i] - 1;
                ids[n] = (long) c * CHUNK + i;
                n++;
            }
        }
        return n;
    }

    private static int chunkOf(long id) {
        return Math.toIntExact(id / CHUNK);
    }
}
