package dev.uvswap.internal.observe;

import jdk.jfr.SettingControl;

import java.util.Locale;
import java.util.Set;

/**
 * The {@code slowerThan} setting of {@link SlowFaultsEvent}: a time span such as "10 ms". Where
 * several recordings ask for different values, the lowest wins (each then sees at least what it
 * asked for).
 */
public final class SlowerThan extends SettingControl {
    static final String DEFAULT = "10 ms";
    private static volatile long nanos = parse(DEFAULT);
    private String value = DEFAULT;

    /** The threshold in effect. */
    static long nanos() {
        return nanos;
    }

    @Override
    public String combine(Set<String> values) {
        String best = null;
        for (String v : values) {
            if (best == null || parse(v) < parse(best)) {
                best = v;
            }
        }
        return best == null ? DEFAULT : best;
    }

    @Override
    public void setValue(String v) {
        value = v;
        nanos = parse(v);
    }

    @Override
    public String getValue() {
        return value;
    }

    /** "10 ms", "500us", "2 s", "0 ns"; anything unreadable is the default. */
    static long parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return 10_000_000;
        }
        long n = Long.parseLong(t.substring(0, i));
        return switch (t.substring(i).trim()) {
            case "ns" -> n;
            case "us", "µs" -> n * 1_000;
            case "ms" -> n * 1_000_000;
            case "s" -> n * 1_000_000_000;
            default -> 10_000_000;
        };
    }
}
