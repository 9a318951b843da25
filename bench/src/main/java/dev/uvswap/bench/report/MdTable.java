package dev.uvswap.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A GitHub Markdown table. Columns of numbers (with "x", "%", "± sd" or "n/a") are right-aligned so
 * their digits line up; any other column is text, left-aligned.
 */
final class MdTable {
    private static final Pattern NUMBER = Pattern.compile("[-+]?[0-9][0-9,]*(\\.[0-9]+)?(x|%)?( ± [0-9.,]+)?|n/a|\\*\\*.*\\*\\*");

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    MdTable(String... headers) {
        this.headers = List.of(headers);
    }

    MdTable row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.size() + " columns");
        }
        rows.add(Arrays.stream(cells).map(MdTable::escape).toList());
        return this;
    }

    MdTable row(List<String> cells) {
        return row(cells.toArray(String[]::new));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    private static String escape(String cell) {
        return cell == null || cell.isEmpty() ? " " : cell.replace("|", "\\|").replace("\n", " ");
    }

    private boolean numeric(int column) {
        List<String> cells = rows.stream().map(r -> r.get(column).trim()).filter(c -> !c.isEmpty()).toList();
        return cells.stream().anyMatch(c -> !c.equals("n/a")) && cells.stream().allMatch(c -> NUMBER.matcher(c).matches());
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append("| ").append(String.join(" | ", headers)).append(" |\n|");
        for (int i = 0; i < headers.size(); i++) {
            b.append(numeric(i) ? " ---: |" : " --- |");
        }
        b.append('\n');
        for (List<String> r : rows) {
            b.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return b.toString();
    }
}
