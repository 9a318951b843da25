package dev.uvswap.examples.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The value every (key, version) must read back as, made again from those two numbers alone, so
 * a reader can check any value it gets byte for byte. The first 8 bytes name the key and the
 * version; the rest mixes random bytes (incompressible), a short repeated pattern (compressible)
 * and zeros, so the pool sees every kind of page.
 */
final class TestValues {
    private TestValues() {
    }

    static byte[] key(int id) {
        // Lengths 5..17: keys of several lengths, some multiples of 8 and some not.
        return ("k" + id + "-" + "x".repeat(id % 9)).getBytes(StandardCharsets.US_ASCII);
    }

    static int length(int id, int version, int maxLength) {
        return 8 + new SplittableRandom(seed(id, version)).nextInt(maxLength - 8);
    }

    static byte[] value(int id, int version, int maxLength) {
        SplittableRandom r = new SplittableRandom(seed(id, version));
        byte[] v = new byte[8 + r.nextInt(maxLength - 8)];
        switch (Math.floorMod(id + version, 3)) {
            case 0 -> {
                for (int i = 8; i < v.length; i++) {
                    v[i] = (byte) r.nextInt();
                }
            }
            case 1 -> {
                byte[] pattern = new byte[1 + r.nextInt(16)];
                r.nextBytes(pattern);
                for (int i = 8; i < v.length; i++) {
                    v[i] = pattern[i % pattern.length];
                }
            }
            default -> { } // zeros after the header
        }
        ByteBuffer.wrap(v).putInt(0, id).putInt(4, version);
        return v;
    }

    static int idOf(byte[] v) {
        return ByteBuffer.wrap(v).getInt(0);
    }

    static int versionOf(byte[] v) {
        return ByteBuffer.wrap(v).getInt(4);
    }

    /** Throws with the first differing byte when {@code actual} is not exactly the value of (id, version). */
    static void check(byte[] actual, int id, int version, int maxLength) {
        byte[] expected = value(id, version, maxLength);
        if (!Arrays.equals(expected, actual)) {
            int at = Arrays.mismatch(expected, actual);
            throw new AssertionError("key " + id + " version " + version + ": read " + (actual == null ? "null"
                    : actual.length + " bytes") + ", expected " + expected.length + "; first difference at byte " + at);
        }
    }

    private static long seed(int id, int version) {
        return id * 0x9E3779B97F4A7C15L + version * 0xC2B2AE3D27D4EB4FL;
    }
}
