package dev.uvswap;

/**
 * The zstd dictionary a memory group compresses its pages with ({@link MemoryGroup#dictionary()}).
 * A group that trains again gets a new version; pages compressed with an older one keep it (every
 * zstd frame names its dictionary's id) and decode as before, wherever they are: the pool, a swap
 * file or the far tier.
 *
 * @param id      the dictionary's zstd id, which each frame made with it carries
 * @param version this group's dictionaries kept so far, this one included (1, 2, ...)
 * @param bytes   the dictionary's size
 * @param trial   how it was judged
 */
public record CompressionDictionary(int id, int version, int bytes, DictionaryTrial trial) { }
