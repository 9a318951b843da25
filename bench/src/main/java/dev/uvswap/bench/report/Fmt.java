package dev.uvswap.bench.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Number formats shared by the tables and the plot axes, so a value reads the same in both. */
final class Fmt {
    private Fmt() {}

    /** Three or four significant digits, thousands grouped: "0.51", "4.02", "10.7", "128.5", "2,114". */
    static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1 || a == 0) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return new BigDecimal(v).round(new MathContext(2)).toPlainString();
    }

    /** For labels on bars, where width is short: no decimals from 100 up. */
    static String compact(double v) {
        return Math.abs(v) >= 100 && Double.isFinite(v) ? String.format(Locale.ROOT, "%,.0f", v) : num(v);
    }

    /** "mean ± sd", the spread to as many decimals as the mean shows ("0.51 ± 0.01", "2,750 ± 57"). */
    static String spread(double mean, double sd) {
        String m = num(mean);
        if (!Double.isFinite(sd) || m.equals("n/a")) {
            return m;
        }
        int dot = m.indexOf('.');
        int decimals = dot < 0 ? 0 : m.length() - dot - 1;
        return m + " ± " + String.format(Locale.ROOT, "%,." + decimals + "f", sd);
    }

    /** A ratio such as "1.23x". */
    static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.2fx", v);
    }

    static String count(long n) {
        return n <= 0 ? "n/a" : String.format(Locale.ROOT, "%,d", n);
    }

    /** An axis tick: as short as the value allows ("0.5", "20", "1,000"). */
    static String tick(double v) {
        String plain = BigDecimal.valueOf(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
        return Math.abs(v) >= 1000 ? String.format(Locale.ROOT, "%,d", Math.round(v)) : plain;
    }

    /** A percentile as JMH names it: 50 gives "p50", 99.9 gives "p99.9". */
    static String percentile(double percent) {
        return "p" + BigDecimal.valueOf(percent).stripTrailingZeros().toPlainString();
    }
}
