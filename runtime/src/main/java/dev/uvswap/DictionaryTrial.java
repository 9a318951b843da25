package dev.uvswap;

/**
 * The outcome of training a memory group's zstd dictionary ({@link MemoryGroup#trainDictionary()}).
 * A dictionary is trained on part of a sample of the group's own pages and judged on the rest:
 * the judged pages are compressed with and without it, at the VSwap's zstd level, each size
 * counted as the pool would store it (4096 for a page that does not compress by an eighth).
 * It is kept only when it saves at least {@link #KEEP_BELOW} of those bytes, and, when the group
 * compresses with a dictionary already, when it also beats that one by as much; the one in use
 * is dropped (the group compresses without) when it no longer saves that much itself.
 *
 * @param trainPages   sampled pages the dictionary was trained on
 * @param judgedPages  sampled pages it was judged on (none of them trained it)
 * @param bytesWithout what the judged pages take compressed without a dictionary
 * @param bytesWith    what they take with it (0 when no dictionary could be trained)
 * @param bytesWithCurrent what they take with the dictionary the group compressed with before
 *                     the round (0: it had none)
 * @param kept         whether the group now compresses with the new dictionary
 * @param verdict      why, in words
 */
public record DictionaryTrial(int trainPages, int judgedPages, long bytesWithout, long bytesWith,
                             long bytesWithCurrent, boolean kept, String verdict) {

    /** A dictionary is kept when the judged pages take at most this share of their size without it. */
    public static final double KEEP_BELOW = 0.97;

    /** bytesWith / bytesWithout: below 1 the dictionary saves; NaN when nothing was judged. */
    public double ratio() {
        return bytesWithout == 0 || bytesWith == 0 ? Double.NaN : (double) bytesWith / bytesWithout;
    }
}
