package dev.uvswap.bench.report;

import dev.uvswap.bench.report.UsememResults.Cell;
import dev.uvswap.bench.report.UsememResults.Config;
import dev.uvswap.bench.report.UsememResults.Stat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The usemem section: uvswap against zram and zswap per workload, and the throughput targets. */
final class UsememSection {
    static final double SEQ_TARGET = 3;
    static final double RAND_TARGET = 1;

    private final UsememResults usemem;
    private final Set<String> plots;

    UsememSection(UsememResults usemem, Set<String> plots) {
        this.usemem = usemem;
        this.plots = plots;
    }

    /** The target a configuration is held to, if any: only the usemem pattern has one. */
    static Optional<Double> target(Config c) {
        if (!c.pattern().equals("usemem")) {
            return Optional.empty();
        }
        return switch (c.order()) {
            case "seq" -> Optional.of(SEQ_TARGET);
            case "rand" -> Optional.of(RAND_TARGET);
            default -> Optional.empty();
        };
    }

    /** A comparison of one uvswap codec's write throughput with a kernel backend on one configuration. */
    record Versus(Cell uvswap, Cell kernel) {
        double ratio() {
            return uvswap.write().mean() / kernel.write().mean();
        }

        String text() {
            return Fmt.ratio(ratio()) + " (vs " + kernel.system().label() + ")";
        }
    }

    /** The kernel run it is matched with: the same page size (a "-thp" uvswap row against "-thp" kernel rows). */
    Optional<Versus> versus(Cell uvswap, String backend) {
        String matched = uvswap.system().backend().endsWith("-thp") ? backend + "-thp" : backend;
        return usemem.baseline(uvswap.config(), matched, uvswap.system().codec()).map(k -> new Versus(uvswap, k));
    }

    /** Rows whose runs reported errors (a word read back wrong): they head the report. */
    List<Cell> failures() {
        return usemem.all().stream().filter(c -> c.errors() > 0).toList();
    }

    /** @param withFreeChart whether to embed the free-time plot here (when no FreeBench section does) */
    String render(boolean withFreeChart) {
        StringBuilder b = new StringBuilder("## usemem: uvswap against the kernel (zram, zswap)\n\n");
        if (usemem.isEmpty()) {
            return b.append("_Not run: the usemem CSV files have no rows._\n").toString();
        }
        b.append("Means over rounds (± sample standard deviation when there was more than one). ")
                .append("ratio = size ÷ budget; nT = threads.\n\n");
        b.append("target: usemem sequential write throughput ≥ ").append(Fmt.tick(SEQ_TARGET))
                .append("x zram; random ≥ ").append(Fmt.tick(RAND_TARGET)).append("x\n\n");
        b.append(targets());
        for (String pattern : usemem.configs().stream().map(Config::pattern).distinct().toList()) {
            b.append("\n### ").append(pattern).append("\n\n");
            b.append(measurements(pattern));
            MdTable ratios = ratios(pattern);
            if (!ratios.isEmpty()) {
                b.append('\n').append(ratios);
            }
        }
        b.append(image(Charts.USEMEM_WRITE, "usemem write throughput by system"));
        b.append(image(Charts.USEMEM_VERIFY, "usemem verify throughput by system"));
        if (withFreeChart) {
            b.append(image(Charts.FREE, "time to free memory"));
        }
        return b.toString();
    }

    private String image(String file, String alt) {
        return plots.contains(file) ? "\n![" + alt + "](" + file + ")\n" : "";
    }

    /** One line per target judged: configuration, codec, ratio, verdict. */
    private String targets() {
        StringBuilder b = new StringBuilder();
        int met = 0;
        int judged = 0;
        for (Config c : usemem.configs()) {
            Optional<Double> target = target(c);
            if (target.isEmpty()) {
                continue;
            }
            for (Cell u : usemem.cells(c).stream().filter(x -> x.system().isUvswap()).toList()) {
                Optional<Versus> v = versus(u, "zram");
                String verdict = v.map(x -> Verdict.atLeast(x.ratio(), target.get()))
                        .orElse("n/a (zram not run)");
                if (v.isPresent()) {
                    judged++;
                    met += verdict.equals("met") ? 1 : 0;
                }
                b.append("- ").append(c.label()).append(", ").append(u.system().label()).append(": ")
                        .append(v.map(Versus::text).orElse("n/a")).append(", target ").append(Fmt.tick(target.get()))
                        .append("x: **").append(verdict).append("**\n");
            }
        }
        if (b.isEmpty()) {
            return "No usemem-pattern runs of uvswap to judge.\n";
        }
        return "Target met by " + met + " of " + judged + ":\n\n" + b;
    }

    private static String stat(Stat s) {
        if (s.n() == 0) {
            return "n/a";
        }
        return s.n() > 1 ? Fmt.spread(s.mean(), s.sd()) : Fmt.num(s.mean());
    }

    /** The configuration without its pattern (the table is per pattern), with the data size. */
    private static String configText(Config c, List<Cell> cells) {
        String text = c.order() + " " + c.threads() + "T " + c.ratioText();
        double size = cells.stream().mapToDouble(Cell::sizeMib).filter(Double::isFinite).max().orElse(Double.NaN);
        return Double.isFinite(size) ? text + " (" + Fmt.tick(size) + " MiB)" : text;
    }

    private MdTable measurements(String pattern) {
        MdTable t = new MdTable("config", "system", "rounds", "real s", "user s", "sys s", "CPU µs/page", "write MB/s",
                "verify MB/s", "free ms", "peak MiB", "errors");
        for (Config c : usemem.configs().stream().filter(x -> x.pattern().equals(pattern)).toList()) {
            List<Cell> cells = usemem.cells(c);
            boolean first = true;
            for (Cell x : cells) {
                t.row(first ? configText(c, cells) : "", x.system().label(), Integer.toString(x.rounds()),
                        stat(x.real()), stat(x.user()), stat(x.sys()), cpuPerPage(x), stat(x.write()), stat(x.verify()),
                        stat(x.free()), stat(x.peak()),
                        x.errors() > 0 ? "**" + x.errors() + " ERRORS**" : "0");
                first = false;
            }
        }
        return t;
    }

    /**
     * The whole process's CPU (user + sys) per page of data, over the write and the verify pass:
     * for uvswap it includes the fault servers, the reclaimer and compression; for the kernel, the
     * reclaim done in the task and by kswapd is charged to whoever ran it, so it is a lower bound.
     */
    static String cpuPerPage(Cell x) {
        double pages = x.sizeMib() * 256;
        double cpu = x.user().mean() + x.sys().mean();
        return Double.isFinite(cpu) && pages > 0 ? Fmt.num(cpu * 1e6 / pages) : "n/a";
    }

    private MdTable ratios(String pattern) {
        MdTable t = new MdTable("config", "uvswap", "write ÷ zram", "write ÷ zswap", "target");
        for (Config c : usemem.configs().stream().filter(x -> x.pattern().equals(pattern)).toList()) {
            for (Cell u : usemem.cells(c).stream().filter(x -> x.system().isUvswap()).toList()) {
                Optional<Versus> zram = versus(u, "zram");
                Optional<Versus> zswap = versus(u, "zswap");
                String verdict = target(c)
                        .map(tg -> zram.map(v -> Fmt.tick(tg) + "x zram: " + Verdict.atLeast(v.ratio(), tg))
                                .orElse("n/a"))
                        .orElse("");
                t.row(c.label(), u.system().label(), zram.map(Versus::text).orElse("n/a"),
                        zswap.map(Versus::text).orElse("n/a"), verdict);
            }
        }
        return t;
    }

    /** The configuration with the most data, whose free times the free-time plot shows; empty with no rows. */
    static Optional<Config> largest(UsememResults usemem) {
        Config best = null;
        double bestSize = -1;
        for (Config c : usemem.configs()) {
            double size = usemem.cells(c).stream().mapToDouble(Cell::sizeMib).filter(Double::isFinite).max().orElse(0);
            if (size > bestSize) {
                best = c;
                bestSize = size;
            }
        }
        return Optional.ofNullable(best);
    }

    static List<String> errorLines(List<Cell> failures) {
        List<String> out = new ArrayList<>();
        for (Cell c : failures) {
            out.add(c.config().label() + ", " + c.system().label() + ": " + c.errors() + " errors over " + c.rounds()
                    + (c.rounds() == 1 ? " round" : " rounds"));
        }
        return out;
    }
}
