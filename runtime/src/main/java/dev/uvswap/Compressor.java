package dev.uvswap;

/** The codec that compresses swapped-out pages into the pool. */
public enum Compressor {
    /**
     * zstd, from the system's {@code libzstd.so.1} (package libzstd1 on Debian/Ubuntu): about 3x on
     * heap-like data, ~9 us to decompress a page. Without that library, building a VSwap with ZSTD
     * fails with an {@link UnsupportedPlatformException} that says what to install; LZ4 needs nothing.
     */
    ZSTD,
    /** LZ4 (from lz4-java's bundled library): about 2x, ~2 us to decompress a page. */
    LZ4
}
