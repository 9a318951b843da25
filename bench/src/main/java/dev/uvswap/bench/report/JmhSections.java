package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The report's sections built from JMH results: each result against its floor, then the floors themselves. */
final class JmhSections {
    static final String FAULT = "FaultLatencyBench.touch";
    static final String THP = "ThpSwapInBench.touchExtent";
    static final String PAGE_OUT = "PageOutBench.pageOut";
    static final String FREE = "FreeBench.free";
    static final double FAULT_TARGET = 1.2;
    /** A fault served on the faulting thread, against the kernel's first touch + codec. */
    static final double IN_THREAD_FAULT_TARGET = 1.3;
    static final double EXTENT_BYTES = 2 << 20;
    static final double PAGE_BYTES = 4096;

    /** Benchmarks with a section of their own; anything else in the JSON goes under "Other results". */
    private static final Set<String> COVERED = Set.of(FAULT, THP, PAGE_OUT, FREE, Floors.UFFD, Floors.DECOMPRESS,
            Floors.COMPRESS, Floors.THP_MOVE);

    /** Row order for the parameters we know, as the benchmarks declare them; others follow in file order. */
    static final Map<String, List<String>> ORDER = Map.of(
            "kind", List.of("FIRST_TOUCH", "ZERO", "FILL", "ZSWAP_ZSTD", "ZSWAP_LZ4", "USEMEM_ZSTD", "HEAP_ZSTD",
                    "HEAP_LZ4", "CACHE", "PARK", "FILE_WARM", "FILE_COLD", "SWAPPED_ZSTD", "RESIDENT", "RAW_MUNMAP"),
            "ioctl", List.of("ZEROPAGE", "COPY", "MOVE"),
            "codec", List.of("zstd", "lz4"),
            "data", List.of("heap", "usemem"));

    private final JmhResults jmh;
    private final Set<String> plots;

    /** @param plots the PNG files that were written, to embed */
    JmhSections(JmhResults jmh, Set<String> plots) {
        this.jmh = jmh;
        this.plots = plots;
    }

    /** Results of a benchmark in report order: by its parameters' known orders, then as they came. */
    static List<JmhResult> ordered(List<JmhResult> results) {
        Comparator<JmhResult> c = (a, b) -> 0;
        for (String param : List.of("kind", "ioctl", "codec", "data")) {
            List<String> order = ORDER.get(param);
            c = c.thenComparingInt(r -> {
                int i = order.indexOf(r.param(param));
                return i < 0 ? order.size() : i;
            });
        }
        return results.stream().sorted(c).toList();
    }

    private static String notRun(String what) {
        return "_Not run: `" + what + "` is not in the JMH results._\n";
    }

    private String image(String file, String alt) {
        return plots.contains(file) ? "\n![" + alt + "](" + file + ")\n" : "";
    }

    /** Parameters other than {@code primary} that vary or exist, shown as extra columns. */
    private static List<String> extraParams(List<JmhResult> results, String primary) {
        Set<String> names = new LinkedHashSet<>();
        results.forEach(r -> names.addAll(r.params().keySet()));
        names.remove(primary);
        return List.copyOf(names);
    }

    /** Collects what floors could not be computed and what they leave out, for the notes under a table. */
    private static final class FloorNotes {
        final Set<String> absent = new TreeSet<>();
        final Map<String, List<String>> caveats = new LinkedHashMap<>();

        Optional<Floors.Known> resolve(JmhResult r, JmhResults jmh) {
            Optional<Floors.Floor> floor = Floors.of(r);
            if (floor.isEmpty()) {
                return Optional.empty();
            }
            if (!floor.get().note().isEmpty()) {
                caveats.computeIfAbsent(floor.get().note(), k -> new ArrayList<>()).add(r.param("kind"));
            }
            return switch (Floors.resolve(floor.get(), jmh)) {
                case Floors.Known k -> Optional.of(k);
                case Floors.Missing m -> {
                    m.absent().forEach(t -> absent.add("`" + t.benchmark() + "`" + t.params().entrySet().stream()
                            .sorted(Map.Entry.comparingByKey()).map(e -> " " + e.getKey() + "=" + e.getValue())
                            .reduce("", String::concat)));
                    yield Optional.empty();
                }
            };
        }

        String render() {
            StringBuilder b = new StringBuilder();
            caveats.forEach((note, kinds) -> b.append("\n").append(String.join(", ", kinds))
                    .append(": the floor ").append(note).append('.').append('\n'));
            if (!absent.isEmpty()) {
                b.append("\nn/a: the floor needs results that were not run: ").append(String.join(", ", absent))
                        .append(".\n");
            }
            return b.toString();
        }
    }

    private static String floorLabel(JmhResult r) {
        return Floors.of(r).map(Floors.Floor::label).orElse("");
    }

    private static String scaled(double us, double unit) {
        return Fmt.num(us / unit);
    }

    String faults() {
        StringBuilder b = new StringBuilder("## 4 KiB faults (FaultLatencyBench)\n\n");
        List<JmhResult> rs = ordered(jmh.of(FAULT));
        if (rs.isEmpty()) {
            return b.append(notRun("FaultLatencyBench")).toString();
        }
        b.append("One read of a page that is not present, as a Java thread sees it, against the userfaultfd round trip ")
                .append("(and codec time) it cannot avoid. Times in µs.\n\n");
        b.append("target: ≤ ").append(FAULT_TARGET).append("x the floor (medians) with server threads; in-thread (mode ")
                .append("IN_THREAD) ≤ ").append(IN_THREAD_FAULT_TARGET).append("x the kernel's own first-touch fault + codec\n\n");
        List<String> extra = extraParams(rs, "kind");
        List<String> headers = new ArrayList<>(List.of("backing"));
        headers.addAll(extra);
        headers.addAll(List.of("p50", "p90", "p99", "p99.9", "mean", "samples", "floor", "floor p50", "floor mean",
                "p50 ÷ floor", "mean ÷ floor", "target"));
        MdTable t = new MdTable(headers.toArray(String[]::new));
        FloorNotes notes = new FloorNotes();
        int met = 0;
        int judged = 0;
        for (JmhResult r : rs) {
            Optional<Floors.Known> f = notes.resolve(r, jmh);
            List<String> row = new ArrayList<>(List.of(r.param("kind")));
            extra.forEach(p -> row.add(r.param(p)));
            row.addAll(List.of(Fmt.num(r.p50()), Fmt.num(r.p(90)), Fmt.num(r.p(99)), Fmt.num(r.p(99.9)),
                    Fmt.num(r.mean()), Fmt.count(r.samples()), floorLabel(r)));
            row.addAll(floorCells(r, f, 1));
            double target = "IN_THREAD".equals(r.param("mode")) ? IN_THREAD_FAULT_TARGET : FAULT_TARGET;
            String verdict = f.map(k -> verdictAtMost(k.ratioP50(r), target)).orElse("n/a");
            if (f.isPresent()) {
                judged++;
                met += verdict.equals("met") ? 1 : 0;
            }
            row.add(verdict);
            t.row(row);
        }
        b.append(t);
        if (judged > 0) {
            b.append("\nTarget met by ").append(met).append(" of ").append(judged).append(" backings.\n");
        }
        b.append(notes.render());
        return b.append(image(Charts.FAULT, "4 KiB fault latency by percentile")).toString();
    }

    /** floor p50, floor mean, p50 ratio, mean ratio; times divided by {@code unit} (1 for µs, 1000 for ms). */
    private static List<String> floorCells(JmhResult r, Optional<Floors.Known> f, double unit) {
        return f.map(k -> List.of(scaled(k.p50(), unit), scaled(k.mean(), unit), Fmt.ratio(k.ratioP50(r)),
                        Fmt.ratio(k.ratioMean(r))))
                .orElse(List.of("n/a", "n/a", "n/a", "n/a"));
    }

    /** "met", or how far above the target the ratio is, e.g. "missed by 35%". */
    static String verdictAtMost(double ratio, double target) {
        return ratio <= target ? "met" : String.format(Locale.ROOT, "missed by %.0f%%", (ratio / target - 1) * 100);
    }

    /** "met", or how far short of the target the ratio is, e.g. "missed by 20%". */
    static String verdictAtLeast(double ratio, double target) {
        return ratio >= target ? "met" : String.format(Locale.ROOT, "missed by %.0f%%", (1 - ratio / target) * 100);
    }

    String extents() {
        StringBuilder b = new StringBuilder("## 2 MiB extent swap-in (ThpSwapInBench)\n\n");
        List<JmhResult> rs = ordered(jmh.of(THP));
        if (rs.isEmpty()) {
            return b.append(notRun("ThpSwapInBench")).toString();
        }
        b.append("One touch of an extent that left memory whole, served as one huge page, against one UFFDIO_MOVE ")
                .append("of a populated THP (plus 512 pages of codec time). Times in µs.\n\n");
        List<String> extra = extraParams(rs, "kind");
        List<String> headers = new ArrayList<>(List.of("backing"));
        headers.addAll(extra);
        headers.addAll(List.of("p50", "p90", "p99", "mean", "per 4 KiB at p50", "samples", "floor", "floor p50",
                "floor mean", "p50 ÷ floor", "mean ÷ floor"));
        MdTable t = new MdTable(headers.toArray(String[]::new));
        FloorNotes notes = new FloorNotes();
        for (JmhResult r : rs) {
            Optional<Floors.Known> f = notes.resolve(r, jmh);
            List<String> row = new ArrayList<>(List.of(r.param("kind")));
            extra.forEach(p -> row.add(r.param(p)));
            row.addAll(List.of(Fmt.num(r.p50()), Fmt.num(r.p(90)), Fmt.num(r.p(99)), Fmt.num(r.mean()),
                    Fmt.num(r.p50() / 512), Fmt.count(r.samples()), floorLabel(r)));
            row.addAll(floorCells(r, f, 1));
            t.row(row);
        }
        b.append(t).append(notes.render());
        return b.append(image(Charts.THP, "2 MiB extent swap-in latency by percentile")).toString();
    }

    /** MB/s of one 2 MiB extent in {@code us} microseconds. */
    static double extentMBps(double us) {
        return EXTENT_BYTES / us;
    }

    String pageOut() {
        StringBuilder b = new StringBuilder("## Page-out of a 2 MiB extent (PageOutBench)\n\n");
        List<JmhResult> rs = ordered(jmh.of(PAGE_OUT));
        if (rs.isEmpty()) {
            return b.append(notRun("PageOutBench")).toString();
        }
        b.append("Time to page out one 2 MiB extent, and the throughput it implies (2 MiB ÷ time, MB = 10⁶ bytes), ")
                .append("against one THP move plus 512 pages of compression. Times in µs.\n\n");
        List<String> extra = extraParams(rs, "kind");
        List<String> headers = new ArrayList<>(List.of("kind"));
        headers.addAll(extra);
        headers.addAll(List.of("p50", "mean", "MB/s at p50", "MB/s at mean", "samples", "floor", "floor MB/s at p50",
                "floor MB/s at mean", "p50 ÷ floor", "mean ÷ floor"));
        MdTable t = new MdTable(headers.toArray(String[]::new));
        FloorNotes notes = new FloorNotes();
        for (JmhResult r : rs) {
            Optional<Floors.Known> f = notes.resolve(r, jmh);
            List<String> row = new ArrayList<>(List.of(r.param("kind")));
            extra.forEach(p -> row.add(r.param(p)));
            row.addAll(List.of(Fmt.num(r.p50()), Fmt.num(r.mean()), Fmt.num(extentMBps(r.p50())),
                    Fmt.num(extentMBps(r.mean())), Fmt.count(r.samples()), floorLabel(r)));
            row.add(f.map(k -> Fmt.num(extentMBps(k.p50()))).orElse("n/a"));
            row.add(f.map(k -> Fmt.num(extentMBps(k.mean()))).orElse("n/a"));
            row.add(f.map(k -> Fmt.ratio(k.ratioP50(r))).orElse("n/a"));
            row.add(f.map(k -> Fmt.ratio(k.ratioMean(r))).orElse("n/a"));
            t.row(row);
        }
        b.append(t).append(notes.render());
        return b.append(image(Charts.PAGE_OUT, "page-out throughput against its floor")).toString();
    }

    String free() {
        StringBuilder b = new StringBuilder("## Freeing 1 GiB (FreeBench)\n\n");
        List<JmhResult> rs = ordered(jmh.of(FREE));
        if (rs.isEmpty()) {
            b.append(notRun("FreeBench"));
        } else {
            b.append("Single-shot time to free a 1 GiB region, against munmap of 1 GiB of resident anonymous memory. ")
                    .append("Times in ms; ± is JMH's 99.9% confidence half-width.\n\n");
            List<String> extra = extraParams(rs, "kind");
            List<String> headers = new ArrayList<>(List.of("kind"));
            headers.addAll(extra);
            headers.addAll(List.of("mean", "±", "min", "p50", "max", "runs", "floor", "floor p50", "floor mean",
                    "p50 ÷ floor", "mean ÷ floor"));
            MdTable t = new MdTable(headers.toArray(String[]::new));
            FloorNotes notes = new FloorNotes();
            for (JmhResult r : rs) {
                Optional<Floors.Known> f = notes.resolve(r, jmh);
                List<String> row = new ArrayList<>(List.of(r.param("kind")));
                extra.forEach(p -> row.add(r.param(p)));
                row.addAll(List.of(scaled(r.mean(), 1000), scaled(r.error(), 1000), scaled(r.p(0), 1000),
                        scaled(r.p50(), 1000), scaled(r.p(100), 1000), Fmt.count(r.samples()),
                        Floors.of(r).map(Floors.Floor::label).orElse("(the floor)")));
                row.addAll(Floors.of(r).isPresent() ? floorCells(r, f, 1000) : List.of("", "", "", ""));
                t.row(row);
            }
            b.append(t).append(notes.render());
        }
        return b.append(image(Charts.FREE, "time to free memory")).toString();
    }

    String floors() {
        StringBuilder b = new StringBuilder("## Floors\n\nThe raw operations the ratios above divide by. Times in µs.\n\n");
        b.append("### userfaultfd round trip (UffdFloorBench)\n\n");
        List<JmhResult> uffd = ordered(jmh.of(Floors.UFFD));
        b.append(uffd.isEmpty() ? notRun("UffdFloorBench")
                : "A minimal C server thread answering the same touch from Java, by ioctl.\n\n"
                        + latencyTable(uffd, List.of("ioctl")));

        b.append("\n### Codec time per 4 KiB page (CodecFloorBench)\n\n");
        List<JmhResult> codec = new ArrayList<>(ordered(jmh.of(Floors.DECOMPRESS)));
        codec.addAll(ordered(jmh.of(Floors.COMPRESS)));
        if (codec.isEmpty()) {
            b.append(notRun("CodecFloorBench"));
        } else {
            MdTable t = new MdTable("op", "codec", "data", "p50", "p90", "p99", "mean", "MB/s at p50", "samples");
            for (JmhResult r : codec) {
                String op = r.benchmark().substring(r.benchmark().indexOf('.') + 1);
                t.row(op, r.param("codec"), r.param("data"), Fmt.num(r.p50()), Fmt.num(r.p(90)), Fmt.num(r.p(99)),
                        Fmt.num(r.mean()), Fmt.num(PAGE_BYTES / r.p50()), Fmt.count(r.samples()));
            }
            b.append(t);
        }

        b.append("\n### UFFDIO_MOVE of a 2 MiB THP (RawMoveFloor)\n\n");
        List<JmhResult> move = jmh.of(Floors.THP_MOVE);
        b.append(move.isEmpty() ? notRun("RawMoveFloor") : latencyTable(move, List.of()));
        return b.toString();
    }

    /** p50/p90/p99/mean/samples, labelled by the given parameters (or by the benchmark name with none). */
    private static MdTable latencyTable(List<JmhResult> rs, List<String> labels) {
        List<String> keys = labels.isEmpty() ? List.of("benchmark") : labels;
        List<String> extra = labels.isEmpty() ? List.of() : extraParams(rs, labels.getFirst());
        List<String> headers = new ArrayList<>(keys);
        headers.addAll(extra);
        headers.addAll(List.of("p50", "p90", "p99", "mean", "samples"));
        MdTable t = new MdTable(headers.toArray(String[]::new));
        for (JmhResult r : rs) {
            List<String> row = new ArrayList<>();
            if (labels.isEmpty()) {
                row.add(r.benchmark());
            } else {
                labels.forEach(p -> row.add(r.param(p)));
            }
            extra.forEach(p -> row.add(r.param(p)));
            row.addAll(List.of(Fmt.num(r.p50()), Fmt.num(r.p(90)), Fmt.num(r.p(99)), Fmt.num(r.mean()),
                    Fmt.count(r.samples())));
            t.row(row);
        }
        return t;
    }

    /** Results of benchmarks this report has no section for, so nothing in the JSON goes unseen; "" if none. */
    String others() {
        List<JmhResult> rs = jmh.all().stream().filter(r -> !COVERED.contains(r.benchmark())).toList();
        if (rs.isEmpty()) {
            return "";
        }
        MdTable t = new MdTable("benchmark", "params", "mode", "p50", "p99", "mean", "samples");
        for (JmhResult r : rs) {
            t.row(r.benchmark(), String.join(", ", r.params().entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).toList()), r.mode(),
                    Fmt.num(r.p50()), Fmt.num(r.p(99)), Fmt.num(r.mean()), Fmt.count(r.samples()));
        }
        return "## Other results\n\nBenchmarks this report has no section for. Times in µs.\n\n" + t;
    }
}
