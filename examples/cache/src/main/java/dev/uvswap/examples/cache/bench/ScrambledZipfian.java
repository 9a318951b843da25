package dev.uvswap.examples.cache.bench;

import java.util.SplittableRandom;

/**
 * YCSB's ScrambledZipfianGenerator, the request distribution of its workloads A to C: a Zipfian
 * draw (constant 0.99) over 10^10 items, hashed (FNV-1a 64) onto the record count, so the popular
 * keys are scattered over the key space rather than bunched at its start.
 */
final class ScrambledZipfian {
    /** YCSB's ITEM_COUNT and its precomputed zeta(ITEM_COUNT, 0.99). */
    static final long ITEM_COUNT = 10_000_000_000L;
    static final double ZETAN = 26.46902820178302;

    private final long records;
    private final ZipfianGenerator zipf;

    ScrambledZipfian(long records, SplittableRandom random) {
        this.records = records;
        this.zipf = new ZipfianGenerator(ITEM_COUNT + 1, ZipfianGenerator.ZIPFIAN_CONSTANT, ZETAN, random);
    }

    long next() {
        return Ycsb.fnvHash64(zipf.next()) % records;
    }
}
