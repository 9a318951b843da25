package dev.uvswap.internal.file;

import java.lang.foreign.MemorySegment;

/**
 * What {@link Swapoff} empties: a swap file, or the far tier. Both keep a reverse map in
 * groups (a file's clusters, the far tier's id chunks) whose objects fit one read buffer of
 * {@link SwapFile#CLUSTER_BYTES}; their file handles carry {@link #index()} and the object's
 * offset (a byte offset, or a far object's id).
 */
public interface Retirable {

    /** The index its file handles carry. */
    int index();

    /** What messages call it: the file's path, or the far tier's server. */
    String name();

    /** Objects stored, published or about to be. */
    long used();

    /** Stops (or, after a failed retire, resumes) new allocations; what is stored is unaffected. */
    void retiring(boolean on);

    /** Groups of the reverse map: {@link #objectsIn} takes {@code 0..groupCount()-1}. */
    int groupCount();

    /**
     * The live objects of one group: virtual slots into {@code vslots}, handle offsets into
     * {@code offsets}; returns how many, or minus how many when the arrays are too short.
     */
    int objectsIn(int group, long[] vslots, long[] offsets);

    /**
     * Reads the objects of {@code handles[0..n)} (one group's, claimed SWAPOFF) into {@code buf},
     * object {@code i} at {@code at[i]}, each checked as the fault path checks it. Returns 0, or
     * -errno with nothing to trust in {@code buf}; {@code why[0]} then says what failed.
     */
    int readObjects(MemorySegment buf, long[] handles, int n, long[] at, String[] why);
}
