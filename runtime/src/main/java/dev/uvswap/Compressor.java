package dev.uvswap;

/** The codec that compresses swapped-out pages into the pool. */
public enum Compressor {
    /** zstd (from zstd-jni's bundled library): about 3x on heap-like data, ~9 us to decompress a page. */
    ZSTD,
    /** LZ4 (from lz4-java's bundled library): about 2x, ~2 us to decompress a page. */
    LZ4
}
