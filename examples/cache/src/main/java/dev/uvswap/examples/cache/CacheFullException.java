package dev.uvswap.examples.cache;

/**
 * A put found no room: the key's index shard is at its entry limit, or the data area has no free
 * chunk of the record's size class and no unassigned slab left. The cache is unchanged (an
 * existing value for the key stays as it was); deleting entries makes room.
 */
public final class CacheFullException extends RuntimeException {
    public CacheFullException(String message) {
        super(message);
    }
}
