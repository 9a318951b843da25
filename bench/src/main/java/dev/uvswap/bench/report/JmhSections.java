package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The report's sections of measured JMH results, each against its floor: faults, extents, page-out, free. */
final class JmhSections {
    static final String FAULT = "FaultLatencyBench.touch";
    static final String THP = "ThpSwapInBench.touchExtent";
    static final String PAGE_OUT = "PageOutBench.pageOut";
    static final String FREE = "FreeBench.free";
    static final double FAULT_TARGET = 1.2;
    /** A fault served on the faulting thread, against the kernel's first touch + codec. */
    static final double IN_THREAD_FAULT_TARGET = 1.3;
    static final double EXTENT_BYTES = 2 << 20;

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

    static String notRun(String what) {
        return "_Not run: `" + what + "` is not in the JMH results._\n";
    }

    private String image(String file, String alt) {
        return plots.contains(file) ? "\n![" + alt + "](" + file + ")\n" : "";
    }

    /** Parameters other than {@code primary} that vary or exist, shown as extra columns. */
    static List<String> extraParams(List<JmhResult> results, String primary) {
        Set<String> names = new LinkedHashSet<>();
        results.forEach(r -> names.addAll(r.params().keySet()));
        names.remove(primary);
        return List.copyOf(names);
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
            String verdict = f.map(k -> Verdict.atMost(k.ratioP50(r), target)).orElse("n/a");
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
}
