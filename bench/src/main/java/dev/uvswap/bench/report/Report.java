package dev.uvswap.bench.report;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.AWTError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * Turns JMH JSON results and usemem CSVs into DIR/report.md with PNG plots beside it:
 * <pre>
 * java -cp uvswap-bench.jar dev.uvswap.bench.report.Report --jmh results.json [--jmh more.json ...]
 *      [--usemem usemem.csv ...] --out DIR
 * </pre>
 * Whatever was not run is left out with a note; only a missing --out or an unwritable DIR fails.
 */
@Command(name = "Report", mixinStandardHelpOptions = true,
        description = "JMH JSON results and usemem CSVs into DIR/report.md and PNG plots beside it.")
public final class Report implements Callable<Integer> {
    @Option(names = "--jmh", paramLabel = "results.json", description = "JMH -rf json output; may repeat (a later file's result replaces an earlier one's)")
    List<Path> jmhFiles = new ArrayList<>();

    @Option(names = "--usemem", paramLabel = "usemem.csv", description = "usemem/kernel-baseline CSV; may repeat")
    List<Path> usememFiles = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "where report.md and the PNGs go")
    Path out;

    public static void main(String[] args) {
        // Before anything touches AWT: the report runs on machines with no display.
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new Report()).execute(args));
    }

    @Override
    public Integer call() {
        try {
            System.out.println(write(jmhFiles, usememFiles, out));
            return 0;
        } catch (IOException | UncheckedIOException e) {
            System.err.println("report: " + e.getMessage());
            return 1;
        }
    }

    /** Writes the plots and report.md into {@code out}; returns the report's path. */
    static Path write(List<Path> jmhFiles, List<Path> usememFiles, Path out) throws IOException {
        List<String> notes = new ArrayList<>();
        JmhResults jmh = jmhFiles.isEmpty() ? JmhResults.empty() : JmhResults.load(jmhFiles, notes);
        UsememResults usemem = usememFiles.isEmpty() ? UsememResults.empty() : UsememResults.load(usememFiles, notes);
        Files.createDirectories(out);

        Map<String, ChartStyle.Png> charts = Charts.of(jmh, usemem);
        Set<String> written = new TreeSet<>();
        for (String name : Charts.ALL) {
            Path file = out.resolve(name);
            // A plot left from an earlier run would look current beside this report.
            Files.deleteIfExists(file);
            ChartStyle.Png chart = charts.get(name);
            if (chart == null) {
                continue;
            }
            try {
                chart.write(file);
                written.add(name);
            } catch (RuntimeException | AWTError e) {
                notes.add("`" + name + "` could not be drawn: " + e);
            }
        }
        Path report = out.resolve("report.md");
        Files.writeString(report, MarkdownReport.render(jmhFiles, usememFiles, jmh, usemem, notes, written));
        return report;
    }
}
