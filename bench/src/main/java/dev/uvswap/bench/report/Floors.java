package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What each result is measured against: the cost of the raw kernel operations and codec work the
 * same job cannot avoid. A floor is a sum of other results (the 2 MiB ones count 512 codec calls),
 * and the sum of medians is not the median of a sum, so the ratio is a guide, not a bound.
 */
final class Floors {
    private Floors() {}

    /** {@code times} of the result of {@code benchmark} with {@code params}; {@code label} names it in the report. */
    record Term(int times, String benchmark, Map<String, String> params, String label) {
        String text() {
            return times == 1 ? label : times + " × " + label;
        }
    }

    /** @param note what the floor leaves out, or "" */
    record Floor(List<Term> terms, String note) {
        String label() {
            return terms.stream().map(Term::text).collect(Collectors.joining(" + "));
        }
    }

    /** A floor with numbers, or the parts that were not run. */
    sealed interface Resolved {
        Floor floor();
    }

    record Known(Floor floor, double p50, double mean) implements Resolved {
        double ratioP50(JmhResult r) {
            return r.p50() / p50;
        }

        double ratioMean(JmhResult r) {
            return r.mean() / mean;
        }
    }

    record Missing(Floor floor, List<Term> absent) implements Resolved {}

    static final String UFFD = "UffdFloorBench.touch";
    static final String DECOMPRESS = "CodecFloorBench.decompress";
    static final String COMPRESS = "CodecFloorBench.compress";
    static final String THP_MOVE = "RawMoveFloor.moveThp";
    static final String RAW_MUNMAP = "RAW_MUNMAP";

    private static Term uffd(String ioctl) {
        return new Term(1, UFFD, Map.of("ioctl", ioctl), "uffd " + ioctl);
    }

    private static Term codec(int times, String method, String codec, String data) {
        String benchmark = method.equals("compress") ? COMPRESS : DECOMPRESS;
        return new Term(times, benchmark, Map.of("codec", codec, "data", data), codec + " " + method + " (" + data + ")");
    }

    private static Term thpMove() {
        return new Term(1, THP_MOVE, Map.of(), "THP move");
    }

    private static Floor floor(Term... terms) {
        return new Floor(List.of(terms), "");
    }

    /** The floor of a result, if it has one (floors themselves have none). */
    static Optional<Floor> of(JmhResult r) {
        String kind = r.param("kind");
        Floor f = switch (r.benchmark()) {
            case "FaultLatencyBench.touch" -> "IN_THREAD".equals(r.param("mode")) ? inThread(kind) : switch (kind) {
                case "FIRST_TOUCH", "ZERO" -> floor(uffd("ZEROPAGE"));
                case "ZSWAP_ZSTD" -> floor(uffd("COPY"), codec(1, "decompress", "zstd", "heap"));
                case "ZSWAP_LZ4" -> floor(uffd("COPY"), codec(1, "decompress", "lz4", "heap"));
                case "CACHE" -> floor(uffd("MOVE"));
                case "FILE_WARM", "FILE_COLD" -> new Floor(
                        List.of(uffd("COPY"), codec(1, "decompress", "zstd", "heap")), "leaves out the pread");
                default -> null;
            };
            case "ThpSwapInBench.touchExtent" -> switch (kind) {
                case "FIRST_TOUCH", "ZERO", "CACHE" -> floor(thpMove());
                case "ZSWAP_ZSTD" -> floor(thpMove(), codec(512, "decompress", "zstd", "heap"));
                case "ZSWAP_LZ4" -> floor(thpMove(), codec(512, "decompress", "lz4", "heap"));
                default -> null;
            };
            case "PageOutBench.pageOut" -> switch (kind) {
                case "HEAP_ZSTD" -> floor(thpMove(), codec(512, "compress", "zstd", "heap"));
                case "HEAP_LZ4" -> floor(thpMove(), codec(512, "compress", "lz4", "heap"));
                case "USEMEM_ZSTD" -> floor(thpMove(), codec(512, "compress", "zstd", "usemem"));
                case "ZERO", "FILL", "PARK" -> floor(thpMove());
                default -> null;
            };
            case "FreeBench.free" -> switch (kind) {
                case "SWAPPED_ZSTD", "RESIDENT" ->
                        floor(new Term(1, "FreeBench.free", Map.of("kind", RAW_MUNMAP), "munmap of resident 1 GiB"));
                default -> null;
            };
            default -> null;
        };
        return Optional.ofNullable(f);
    }

    /**
     * A fault served on the faulting thread is held to the kernel's own first-touch fault plus
     * the codec: no round trip to another thread is left to pay for, only what the kernel's
     * swap-in does too (its fault, a page allocated, its decompression). A read of a
     * never-touched or zero page maps the zero page on both sides.
     */
    private static Floor inThread(String kind) {
        Term zero = new Term(1, UFFD, Map.of("ioctl", "KERNEL"), "kernel first read");
        Term kernel = new Term(1, UFFD, Map.of("ioctl", "KERNEL_WRITE"), "kernel first write");
        return switch (kind) {
            case "FIRST_TOUCH", "ZERO" -> floor(zero);
            case "CACHE" -> floor(kernel);
            case "ZSWAP_ZSTD" -> floor(kernel, codec(1, "decompress", "zstd", "heap"));
            case "ZSWAP_LZ4" -> floor(kernel, codec(1, "decompress", "lz4", "heap"));
            case "FILE_WARM", "FILE_COLD" -> new Floor(
                    List.of(kernel, codec(1, "decompress", "zstd", "heap")), "leaves out the pread");
            default -> null;
        };
    }

    static Resolved resolve(Floor floor, JmhResults results) {
        double p50 = 0;
        double mean = 0;
        List<Term> absent = new ArrayList<>();
        for (Term t : floor.terms()) {
            Optional<JmhResult> r = results.find(t.benchmark(), t.params());
            if (r.isEmpty() || Double.isNaN(r.get().p50())) {
                absent.add(t);
                continue;
            }
            p50 += t.times() * r.get().p50();
            mean += t.times() * r.get().mean();
        }
        return absent.isEmpty() ? new Known(floor, p50, mean) : new Missing(floor, List.copyOf(absent));
    }

    /** The floor of {@code r} with numbers, when it has one and all its parts were run. */
    static Optional<Known> known(JmhResult r, JmhResults results) {
        return of(r).map(f -> resolve(f, results)).flatMap(x -> x instanceof Known k ? Optional.of(k) : Optional.empty());
    }
}
