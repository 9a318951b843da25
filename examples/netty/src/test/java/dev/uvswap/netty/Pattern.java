package dev.uvswap.netty;

import io.netty.buffer.ByteBuf;

/** The bytes the tests write: different on every page, so a page put back in the wrong place shows. */
final class Pattern {
    private Pattern() {
    }

    static byte at(long i) {
        return (byte) (i * 31 + (i >>> 12) * 7 + (i >>> 20));
    }

    static void fill(ByteBuf buf, int from, int length) {
        for (int i = 0; i < length; i++) {
            buf.setByte(from + i, at(from + i));
        }
    }

    /** Index of the first byte of {@code [from, from + length)} that differs from the pattern, or -1. */
    static long firstMismatch(ByteBuf buf, int bufIndex, long patternIndex, int length) {
        for (int i = 0; i < length; i++) {
            if (buf.getByte(bufIndex + i) != at(patternIndex + i)) {
                return patternIndex + i;
            }
        }
        return -1;
    }
}
