package dev.uvswap;

/**
 * Something happened to the far tier ({@link VSwap#addFarTier}) that an operator wants to know
 * about. None of these loses a page: a page the server did not take stays in the pool (or in
 * memory), and a page already in the tier stays named by its slot. Delivered to the listener
 * given to {@link FarTierSpec}, on uvswap's writeback thread; a listener must not block.
 */
public sealed interface FarTierEvent {

    /** The tier, as {@code redis://host:port}. */
    String server();

    /** The connection failed or timed out during a write; writeback tries again in a second. */
    record Unreachable(String server, String cause) implements FarTierEvent { }

    /** The server answered OOM (its maxmemory, with noeviction), or the tier's maxBytes is reached. */
    record Full(String server, String reply) implements FarTierEvent { }

    /** The server refused a write for another reason (its error reply). */
    record WriteRefused(String server, String reply) implements FarTierEvent { }
}
