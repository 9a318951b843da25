package dev.uvswap.bench.report;

import dev.uvswap.bench.report.UsememResults.Config;
import dev.uvswap.bench.report.UsememResults.SystemId;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads usemem CSV files (the Java harness and the kernel runner write the same columns, each
 * appending to one file) into rounds, one per line. Several runners may each have written a header
 * line, so a line whose first field is "system" starts a header wherever it comes; {@code #} lines
 * are comments. A bad file or line costs a note, not the report.
 */
final class UsememCsv {
    private UsememCsv() {}

    static final List<String> COLUMNS = List.of("system", "backend", "codec", "pattern", "order", "threads", "ratio",
            "budget_mib", "size_mib", "round", "real_s", "user_s", "sys_s", "write_mbps", "verify_mbps", "free_ms",
            "peak_mib", "pages", "errors");

    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setCommentMarker('#').setIgnoreEmptyLines(true).setTrim(true).get();

    /** One line: what ran, who ran it, and its columns by name. */
    record Round(Config config, SystemId system, Map<String, String> values) {
        /** The column as a number; NaN when it is empty or not a number. */
        double num(String column) {
            String v = values.getOrDefault(column, "");
            try {
                return v.isEmpty() ? Double.NaN : Double.parseDouble(v);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }

    static List<Round> read(List<Path> files, List<String> notes) {
        List<Round> rounds = new ArrayList<>();
        for (Path file : files) {
            try (Reader in = Files.newBufferedReader(file); CSVParser csv = FORMAT.parse(in)) {
                read(file, csv, rounds, notes);
            } catch (NoSuchFileException e) {
                notes.add("`" + file + "` does not exist (did the usemem run fail?)");
            } catch (IOException | UncheckedIOException e) {
                notes.add("`" + file + "` could not be read: " + e);
            }
        }
        return rounds;
    }

    private static void read(Path file, CSVParser csv, List<Round> out, List<String> notes) {
        List<String> header = null;
        for (CSVRecord record : csv) {
            List<String> fields = record.toList();
            long line = csv.getCurrentLineNumber();
            if (fields.getFirst().equals("system")) {
                header = fields;
                List<String> missing = COLUMNS.stream().filter(c -> !fields.contains(c)).toList();
                if (!missing.isEmpty()) {
                    notes.add("`" + file + "` has no column " + String.join(", ", missing));
                }
                continue;
            }
            if (header == null) {
                notes.add("`" + file + "` has no header line (" + String.join(",", COLUMNS) + "); skipped");
                return;
            }
            if (fields.size() < header.size()) {
                notes.add("`" + file + "` line " + line + " has " + fields.size() + " of " + header.size()
                        + " fields (a run cut short?); skipped");
                continue;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                values.put(header.get(i), fields.get(i));
            }
            try {
                Config config = new Config(values.getOrDefault("pattern", "?"), values.getOrDefault("order", "?"),
                        Integer.parseInt(values.getOrDefault("threads", "")),
                        Double.parseDouble(values.getOrDefault("ratio", "")));
                SystemId system = new SystemId(values.getOrDefault("system", ""), values.getOrDefault("backend", ""),
                        values.getOrDefault("codec", ""));
                out.add(new Round(config, system, values));
            } catch (NumberFormatException e) {
                notes.add("`" + file + "` line " + line + ": bad threads or ratio; skipped");
            }
        }
    }
}
