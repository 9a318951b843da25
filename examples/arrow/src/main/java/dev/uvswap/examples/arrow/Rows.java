package dev.uvswap.examples.arrow;

/**
 * The example's data and the closed forms its results are checked against. Row r holds
 * {@code id = r} (a BigIntVector) and {@code price = r % 1000} (a Float8Vector: whole numbers, so
 * every double sum is exact below 2^53). The filter keeps rows with {@code id % 7 == 3 && price < 500}.
 */
final class Rows {
    static final int PRICE_MODULUS = 1000;
    static final int ID_MODULUS = 7;
    static final int ID_RESIDUE = 3;
    static final double PRICE_BELOW = 500;
    /** The filter repeats with this period (lcm of 7 and 1000). */
    private static final long PERIOD = (long) ID_MODULUS * PRICE_MODULUS;

    private Rows() {
    }

    static long id(long row) {
        return row;
    }

    static double price(long row) {
        return row % PRICE_MODULUS;
    }

    static boolean kept(long id, double price) {
        return id % ID_MODULUS == ID_RESIDUE && price < PRICE_BELOW;
    }

    /** Sum of ids over rows 0..n-1. */
    static long idSum(long n) {
        return n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
    }

    /** Sum of prices over rows 0..n-1: full cycles of 0..999, then the partial one. */
    static double priceSum(long n) {
        long cycles = n / PRICE_MODULUS;
        long rest = n % PRICE_MODULUS;
        long cycleSum = (long) PRICE_MODULUS * (PRICE_MODULUS - 1) / 2;
        return (double) (cycles * cycleSum + rest * (rest - 1) / 2);
    }

    /** Rows the filter keeps among 0..n-1, and the sum of their ids: per residue k of the period. */
    static Filtered filtered(long n) {
        long count = 0;
        long idSum = 0;
        for (long k = 0; k < Math.min(PERIOD, n); k++) {
            if (!kept(id(k), price(k))) {
                continue;
            }
            long j = (n - 1 - k) / PERIOD + 1;   // rows k, k + PERIOD, ... below n
            count += j;
            idSum += j * k + PERIOD * (j * (j - 1) / 2);
        }
        return new Filtered(count, idSum);
    }

    record Filtered(long count, long idSum) { }
}
