package dev.uvswap.examples.cache.bench;

import java.util.SplittableRandom;

/**
 * YCSB's ZipfianGenerator (Gray et al., "Quickly generating billion-record synthetic databases"):
 * item i in [0, items) is drawn with probability proportional to 1 / (i + 1)^theta, item 0 the
 * most popular. This keeps YCSB's arithmetic (and its precomputed zeta for the scrambled case);
 * it draws from its own random source so that threads do not share one.
 */
final class ZipfianGenerator {
    static final double ZIPFIAN_CONSTANT = 0.99;

    private final long items;
    private final double theta;
    private final double alpha;
    private final double zetan;
    private final double eta;
    private final double half;
    private final SplittableRandom random;

    ZipfianGenerator(long items, double theta, SplittableRandom random) {
        this(items, theta, zeta(items, theta), random);
    }

    /** With {@code zetan} given (YCSB precomputes it for the 10^10 items of the scrambled generator). */
    ZipfianGenerator(long items, double theta, double zetan, SplittableRandom random) {
        if (items < 2) {
            throw new IllegalArgumentException("a Zipfian generator needs at least 2 items: " + items);
        }
        this.items = items;
        this.theta = theta;
        this.alpha = 1.0 / (1.0 - theta);
        this.zetan = zetan;
        double zeta2theta = zeta(2, theta);
        this.eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2theta / zetan);
        this.half = 1.0 + Math.pow(0.5, theta);
        this.random = random;
    }

    long next() {
        double u = random.nextDouble();
        double uz = u * zetan;
        if (uz < 1.0) {
            return 0;
        }
        if (uz < half) {
            return 1;
        }
        return (long) (items * Math.pow(eta * u - eta + 1, alpha));
    }

    /** The sum over i in 1..n of 1 / i^theta. */
    static double zeta(long n, double theta) {
        double sum = 0;
        for (long i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, theta);
        }
        return sum;
    }
}
