package dev.uvswap.bench.report;

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

/**
 * Turns JMH JSON results and usemem CSVs into DIR/report.md with PNG plots beside it:
 * <pre>
 * java -cp uvswap-bench.jar dev.uvswap.bench.report.Report --jmh results.json [--jmh more.json ...]
 *      [--usemem usemem.csv ...] --out DIR
 * </pre>
 * Whatever was not run is left out with a note; only a missing --out or an unwritable DIR fails.
 */
public final class Report {
    private Report() {}

    private static final String USAGE = "usage: Report [--jmh results.json]... [--usemem usemem.csv]... --out DIR";

    public static void main(String[] args) {
        // Before anything touches AWT: the report runs on machines with no display.
        System.setProperty("java.awt.headless", "true");
        List<Path> jmhFiles = new ArrayList<>();
        List<Path> usememFiles = new ArrayList<>();
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (arg.equals("-h") || arg.equals("--help")) {
                System.out.println(USAGE);
                return;
            }
            if (!List.of("--jmh", "--usemem", "--out").contains(arg)) {
                fail("unknown argument " + args[i]);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    fail(arg + " needs a value");
                }
                value = args[++i];
            }
            switch (arg) {
                case "--jmh" -> jmhFiles.add(Path.of(value));
                case "--usemem" -> usememFiles.add(Path.of(value));
                default -> out = Path.of(value);
            }
        }
        if (out == null) {
            fail("--out DIR is required");
        }
        try {
            System.out.println(write(jmhFiles, usememFiles, out));
        } catch (IOException | UncheckedIOException e) {
            System.err.println("report: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void fail(String why) {
        System.err.println("report: " + why + "\n" + USAGE);
        System.exit(2);
    }

    /** Writes the plots and report.md into {@code out}; returns the report's path. */
    static Path write(List<Path> jmhFiles, List<Path> usememFiles, Path out) throws IOException {
        List<String> notes = new ArrayList<>();
        JmhResults jmh = jmhFiles.isEmpty() ? JmhResults.empty() : JmhResults.load(jmhFiles, notes);
        UsememResults usemem = usememFiles.isEmpty() ? UsememResults.empty() : UsememResults.load(usememFiles, notes);
        Files.createDirectories(out);

        Map<String, Plot> charts = Charts.of(jmh, usemem);
        Set<String> written = new TreeSet<>();
        for (String name : Charts.ALL) {
            Path file = out.resolve(name);
            // A plot left from an earlier run would look current beside this report.
            Files.deleteIfExists(file);
            Plot chart = charts.get(name);
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
