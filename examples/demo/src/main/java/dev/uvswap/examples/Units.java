package dev.uvswap.examples;

import java.util.Locale;

/** Numbers the way a person reads them: sizes in KiB/MiB/GiB, times in ns/us/ms/s, rates in MB/s. */
final class Units {
    private Units() {
    }

    static String bytes(long bytes) {
        if (bytes >= 1L << 40) {
            return format("%.2f TiB", bytes / (double) (1L << 40));
        }
        if (bytes >= 1L << 30) {
            return format("%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return format("%.1f MiB", bytes / (double) (1L << 20));
        }
        if (bytes >= 1L << 10) {
            return format("%.1f KiB", bytes / 1024.0);
        }
        return bytes + " B";
    }

    /** A duration with three significant digits in the largest unit under which it is at least 1. */
    static String nanos(double nanos) {
        if (nanos >= 1e9) {
            return format("%.2f s", nanos / 1e9);
        }
        if (nanos >= 1e6) {
            return threeDigits(nanos / 1e6) + " ms";
        }
        if (nanos >= 1e3) {
            return threeDigits(nanos / 1e3) + " us";
        }
        return format("%.0f ns", nanos);
    }

    /** Bytes over a duration in MB/s (10^6 bytes, as disk and network rates are given). */
    static String rate(long bytes, long nanos) {
        if (nanos <= 0) {
            return "too fast to time";
        }
        double mbps = bytes / 1e6 / (nanos / 1e9);
        return format(mbps >= 100 ? "%,.0f MB/s" : "%.1f MB/s", mbps);
    }

    private static String threeDigits(double v) {
        return format(v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String format(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
