package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The report's last sections: the floors themselves, and any result no section covers. */
final class FloorSections {
    /** Benchmarks with a section of their own; anything else in the JSON goes under "Other results". */
    private static final Set<String> COVERED = Set.of(JmhSections.FAULT, JmhSections.THP, JmhSections.PAGE_OUT,
            JmhSections.FREE, Floors.UFFD, Floors.DECOMPRESS, Floors.COMPRESS, Floors.THP_MOVE);

    static final double PAGE_BYTES = 4096;

    private final JmhResults jmh;

    FloorSections(JmhResults jmh) {
        this.jmh = jmh;
    }

    String floors() {
        StringBuilder b = new StringBuilder("## Floors\n\nThe raw operations the ratios above divide by. Times in µs.\n\n");
        b.append("### userfaultfd round trip (UffdFloorBench)\n\n");
        List<JmhResult> uffd = JmhSections.ordered(jmh.of(Floors.UFFD));
        b.append(uffd.isEmpty() ? JmhSections.notRun("UffdFloorBench")
                : "A minimal C server thread answering the same touch from Java, by ioctl.\n\n"
                        + latencyTable(uffd, List.of("ioctl")));

        b.append("\n### Codec time per 4 KiB page (CodecFloorBench)\n\n");
        List<JmhResult> codec = new ArrayList<>(JmhSections.ordered(jmh.of(Floors.DECOMPRESS)));
        codec.addAll(JmhSections.ordered(jmh.of(Floors.COMPRESS)));
        if (codec.isEmpty()) {
            b.append(JmhSections.notRun("CodecFloorBench"));
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
        b.append(move.isEmpty() ? JmhSections.notRun("RawMoveFloor") : latencyTable(move, List.of()));
        return b.toString();
    }

    /** p50/p90/p99/mean/samples, labelled by the given parameters (or by the benchmark name with none). */
    private static MdTable latencyTable(List<JmhResult> rs, List<String> labels) {
        List<String> keys = labels.isEmpty() ? List.of("benchmark") : labels;
        List<String> extra = labels.isEmpty() ? List.of() : JmhSections.extraParams(rs, labels.getFirst());
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
