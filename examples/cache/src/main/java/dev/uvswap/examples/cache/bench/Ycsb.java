package dev.uvswap.examples.cache.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * YCSB's records, as CoreWorkload makes them: key "user" + FNV-1a 64 of the record number
 * (insertorder=hashed), and a value of printable bytes with 5 random bits each (its
 * RandomByteIterator), so compressors find what they would in a YCSB run. The first 12 bytes are
 * the record number and a version instead, so that any value read can be checked byte for byte.
 */
final class Ycsb {
    static final int HEADER = 12;
    private static final long FNV_OFFSET_BASIS_64 = 0xCBF29CE484222325L;
    private static final long FNV_PRIME_64 = 1099511628211L;

    private Ycsb() {
    }

    static long fnvHash64(long val) {
        long hash = FNV_OFFSET_BASIS_64;
        for (int i = 0; i < 8; i++) {
            long octet = val & 0xff;
            val >>= 8;
            hash ^= octet;
            hash *= FNV_PRIME_64;
        }
        return Math.abs(hash);
    }

    static byte[] key(long record) {
        return ("user" + fnvHash64(record)).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] value(long record, int version, int length) {
        byte[] v = new byte[length];
        fill(v, record, version);
        return v;
    }

    /** Whether {@code v} is exactly the value of {@code record} at the version it names. */
    static boolean check(byte[] v, long record, int length) {
        if (v == null || v.length != length) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        if (b.getLong(0) != record) {
            return false;
        }
        byte[] expected = new byte[length];
        fill(expected, record, b.getInt(8));
        return Arrays.equals(v, expected);
    }

    private static void fill(byte[] v, long record, int version) {
        ByteBuffer.wrap(v).putLong(0, record).putInt(8, version);
        SplittableRandom r = new SplittableRandom(record * 0x9E3779B97F4A7C15L + version);
        for (int i = HEADER; i < v.length; ) {
            long bits = r.nextLong();
            for (int j = 0; j < 12 && i < v.length; j++, i++, bits >>>= 5) {
                v[i] = (byte) (' ' + (bits & 31));
            }
        }
    }
}
