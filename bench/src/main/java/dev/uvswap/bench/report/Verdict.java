package dev.uvswap.bench.report;

import java.util.Locale;

/** A target's judgment as the report words it: "met", or by how much it was missed. */
final class Verdict {
    private Verdict() {}

    /** "met", or how far above the target the ratio is, e.g. "missed by 35%". */
    static String atMost(double ratio, double target) {
        return ratio <= target ? "met" : String.format(Locale.ROOT, "missed by %.0f%%", (ratio / target - 1) * 100);
    }

    /** "met", or how far short of the target the ratio is, e.g. "missed by 20%". */
    static String atLeast(double ratio, double target) {
        return ratio >= target ? "met" : String.format(Locale.ROOT, "missed by %.0f%%", (1 - ratio / target) * 100);
    }
}
