package dev.uvswap.examples;

import dev.uvswap.Compressor;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's command line, checked before anything is allocated: either a request for the usage
 * or a run with a size, codec and share to swap out that are all in range. A bad value is an
 * {@link IllegalArgumentException} whose message is one line naming the option and what it takes.
 */
sealed interface DemoArgs {

    String USAGE = """
            usage: ./uvs demo [--size=N] [--max=N] [--lz4] [--out=90] [--cgroup=N]
            Streams N bytes of store-like data through a memory group whose resident limit is far
            smaller, swaps most of it out, then reads every page back and checks it: a data set
            larger than the memory the process may use (its cgroup's limit, or RAM).
              --size=N   the data (the region's size): bytes with an optional k, m, g or t suffix,
                         rounded up to 2 MiB; default 4g, or 3 times the memory cgroup's limit
                         (1.5 times with --lz4) when that is smaller, so the compressed data fits
              --max=N    the memory group's resident limit (memory.max); default 1/8 of the memory
                         the process may use, between 32m and 512m
              --lz4      compress with lz4 instead of zstd
              --out=P    after the fill, swap out this percentage of the pages (0 to 100); default 90
              --cgroup=N run in a memory cgroup of N bytes made for the run and removed after it
                         (needs root; kernel swap off in it), e.g. --cgroup=1g
              --help     this text
            Exit status: 0 when every page came back byte for byte, 1 when not or the run failed,
            2 for a bad option.
            """;

    /** 0: the demo picks the size (or group max) from the memory the process may use. */
    long AUTO = 0;
    int DEFAULT_OUT_PERCENT = 90;

    /** Print {@link #USAGE} and do nothing else. */
    record Help() implements DemoArgs {
    }

    /**
     * Run the demo over a region of {@code sizeBytes} in a group of resident limit {@code maxBytes}
     * (either 0: chosen from the memory budget), swapping out {@code outPercent}% of its pages after the fill.
     */
    record Run(long sizeBytes, long maxBytes, Compressor codec, int outPercent, long cgroupBytes) implements DemoArgs {
        public Run {
            if (sizeBytes < 0 || maxBytes < 0 || cgroupBytes < 0) {
                throw new IllegalArgumentException("sizes cannot be negative: " + sizeBytes + ", " + maxBytes + ", " + cgroupBytes);
            }
            if (outPercent < 0 || outPercent > 100) {
                throw new IllegalArgumentException("swap-out share must be 0 to 100 percent: " + outPercent);
            }
        }
    }

    /** {@code --help} anywhere wins, so it answers even next to a bad value. */
    static DemoArgs parse(List<String> args) {
        if (args.contains("--help") || args.contains("-h")) {
            return new Help();
        }
        long size = AUTO;
        long max = AUTO;
        long cgroup = 0;
        Compressor codec = Compressor.ZSTD;
        int out = DEFAULT_OUT_PERCENT;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String value = eq < 0 ? null : arg.substring(eq + 1);
            switch (name) {
                case "--size" -> size = size(arg, required(arg, value));
                case "--max" -> max = size(arg, required(arg, value));
                case "--cgroup" -> cgroup = size(arg, required(arg, value));
                case "--out" -> out = percent(arg, required(arg, value));
                case "--lz4" -> {
                    if (value != null) {
                        throw new IllegalArgumentException(arg + ": --lz4 takes no value");
                    }
                    codec = Compressor.LZ4;
                }
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        return new Run(size, max, codec, out, cgroup);
    }

    private static String required(String arg, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(arg + ": needs a value, as in " + (arg.startsWith("--out") ? "--out=90" : arg.replaceFirst("=.*", "") + "=256m"));
        }
        return value;
    }

    Pattern SIZE = Pattern.compile("(\\d+)([kmgt]?)(i?b)?");

    /** Bytes from {@code 4096}, {@code 256m}, {@code 1G}, {@code 2GiB}; anything else, zero or overflow is an error. */
    static long size(String arg, String value) {
        Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches() || (m.group(3) != null && m.group(2).isEmpty() && m.group(3).equals("ib"))) {
            throw new IllegalArgumentException(arg + ": not a size; give bytes with an optional k, m, g or t suffix, as in " + arg.replaceFirst("=.*", "") + "=256m");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(arg + ": too large");
        }
        if (n == 0) {
            throw new IllegalArgumentException(arg + ": cannot be zero");
        }
        if (n > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException(arg + ": too large");
        }
        return n << shift;
    }

    static int percent(String arg, String value) {
        int p;
        try {
            p = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(arg + ": not a whole number; give a percentage from 0 to 100");
        }
        if (p < 0 || p > 100) {
            throw new IllegalArgumentException(arg + ": outside 0 to 100; it is the percentage of pages to swap out");
        }
        return p;
    }
}
