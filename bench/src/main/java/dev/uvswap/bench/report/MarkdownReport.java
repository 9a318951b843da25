package dev.uvswap.bench.report;

import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** report.md: a header naming the inputs, loud warnings first, then one section per benchmark family. */
final class MarkdownReport {
    private MarkdownReport() {}

    /**
     * @param notes problems with the inputs, one line each
     * @param plots the PNG files written beside report.md, which the sections embed
     */
    static String render(List<Path> jmhFiles, List<Path> usememFiles, JmhResults jmh, UsememResults usemem,
                         List<String> notes, Set<String> plots) {
        JmhSections j = new JmhSections(jmh, plots);
        UsememSection u = new UsememSection(usemem, plots);
        StringBuilder b = new StringBuilder("# uvswap benchmark report\n\n");
        b.append("Generated ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .append(" from ").append(inputs(jmhFiles, usememFiles));
        if (!jmh.environment().isEmpty()) {
            b.append(" JMH results: ").append(jmh.environment()).append('.');
        }
        b.append("\n\n");

        // Wrong data outweighs any speed, so it comes before every number.
        List<UsememResults.Cell> failures = u.failures();
        if (!failures.isEmpty()) {
            b.append("> [!WARNING]\n> **usemem read back wrong data (errors > 0) in ").append(failures.size())
                    .append(failures.size() == 1 ? " run" : " runs").append(":**\n");
            UsememSection.errorLines(failures).forEach(l -> b.append("> - ").append(l).append('\n'));
            b.append("\n");
        }
        if (!notes.isEmpty()) {
            b.append("Input problems:\n\n");
            notes.forEach(n -> b.append("- ").append(n).append('\n'));
            b.append("\n");
        }

        List<String> sections = new ArrayList<>();
        if (jmhFiles.isEmpty()) {
            b.append("JMH benchmarks: not run (no `--jmh` file given).\n\n");
        } else {
            sections.add("Ratios divide by a floor: the raw operations the same job cannot avoid, measured alone. "
                    + "A floor of several parts adds their medians (or means); the median of a sum is not the sum "
                    + "of medians, so read the ratios as a guide, not a bound.\n");
            sections.addAll(List.of(j.faults(), j.extents(), j.pageOut(), j.free()));
        }
        if (usememFiles.isEmpty()) {
            b.append("usemem: not run (no `--usemem` file given).\n\n");
        } else {
            // Without JMH there is no free section to carry the free-time plot, so usemem's takes it.
            sections.add(u.render(jmhFiles.isEmpty()));
        }
        if (!jmhFiles.isEmpty()) {
            FloorSections f = new FloorSections(jmh);
            sections.addAll(List.of(f.floors(), f.others()));
        }
        for (String section : sections) {
            if (!section.isEmpty()) {
                b.append(section).append('\n');
            }
        }
        return b.toString().stripTrailing() + "\n";
    }

    private static String inputs(List<Path> jmhFiles, List<Path> usememFiles) {
        if (jmhFiles.isEmpty() && usememFiles.isEmpty()) {
            return "no inputs.";
        }
        String all = Stream.concat(jmhFiles.stream(), usememFiles.stream())
                .map(p -> "`" + p.getFileName() + "`").collect(Collectors.joining(", "));
        return all + ".";
    }
}
