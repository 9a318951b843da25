package dev.uvswap;

/**
 * A snapshot of the far tier's counters ({@link VSwap#farTier()}).
 *
 * @param server         {@code redis://host:port}
 * @param pagesUsed      pages stored in the tier (published, or being written)
 * @param storedBytes    stored bytes of the published pages (compressed, as the pool held them),
 *                       without the 32-byte record each value carries
 * @param maxBytes       the tier's limit on {@code storedBytes}
 * @param written        pages written to the tier and published (from the pool, or demoted)
 * @param demoted        of those, pages demoted from a full swap file (file → far tier), to
 *                       make room in the file for pages leaving the pool
 * @param full           times the server (OOM) or {@code maxBytes} refused a batch
 * @param writeRefused   times the server refused a write with another error
 * @param unreachable    times a write found no connection
 * @param unlinked       keys of freed pages removed from the server
 * @param pendingUnlinks freed pages whose keys are still to be removed
 */
public record FarTierStats(String server, long pagesUsed, long storedBytes, long maxBytes, long written, long demoted, long full,
                           long writeRefused, long unreachable, long unlinked, long pendingUnlinks) { }
