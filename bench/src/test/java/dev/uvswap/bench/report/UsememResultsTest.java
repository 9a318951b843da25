package dev.uvswap.bench.report;

import dev.uvswap.bench.report.UsememResults.Cell;
import dev.uvswap.bench.report.UsememResults.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsememResultsTest {
    @TempDir
    Path dir;

    @Test
    void averagesEveryConfigurationAndSystemOfARealRun() {
        List<String> notes = new ArrayList<>();
        UsememResults usemem = UsememResults.load(List.of(Fixtures.usemem()), notes);
        assertEquals(List.of(), notes);
        List<Map<String, String>> rows = Fixtures.usememRows();
        Map<List<String>, List<Map<String, String>>> byCell = rows.stream().collect(Collectors.groupingBy(r -> List.of(
                r.get("pattern"), r.get("order"), r.get("threads"), r.get("ratio"), r.get("backend"), r.get("codec"))));
        assertEquals(byCell.size(), usemem.all().size());
        for (Cell c : usemem.all()) {
            Config k = c.config();
            List<Map<String, String>> rs = byCell.get(List.of(k.pattern(), k.order(), Integer.toString(k.threads()),
                    rows.stream().map(r -> r.get("ratio")).filter(x -> Double.parseDouble(x) == k.ratio()).findFirst().orElseThrow(),
                    c.system().backend(), c.system().codec()));
            assertEquals(rs.size(), c.rounds(), c.toString());
            assertEquals(Fixtures.mean(rs, "write_mbps"), c.write().mean(), 1e-9);
            assertEquals(Fixtures.mean(rs, "verify_mbps"), c.verify().mean(), 1e-9);
            assertEquals(Fixtures.mean(rs, "free_ms"), c.free().mean(), 1e-9);
            assertEquals(rs.stream().mapToLong(r -> Long.parseLong(r.get("errors"))).sum(), c.errors());
        }
        // Report order: usemem before memhog before heap, seq before rand.
        List<String> patterns = usemem.configs().stream().map(Config::pattern).distinct().toList();
        assertEquals(List.of("usemem", "memhog", "heap"), patterns);
    }

    @Test
    void badLinesCostANoteAndRepeatedHeadersAndCommentsAreRead() throws IOException {
        String header = String.join(",", UsememCsv.COLUMNS);
        Path csv = Files.writeString(dir.resolve("u.csv"), String.join("\n",
                header,
                "uvswap,uvswap,lz4,usemem,seq,1,1.75,256,448,1,4.6,1.8,4.1,100.0,262.4,71.9,261,114688,0",
                "# a comment the kernel runner writes",
                "",
                header,
                "uvswap,uvswap,lz4,usemem,seq,1,1.75,256,448,2,4.6,1.8,4.1,300.0,262.4,71.9,261,114688,3",
                "kernel,zram,lz4,usemem,seq,1,1.75,256,448,1,3.0",
                "kernel,zram,lz4,usemem,seq,one,1.75,256,448,1,3.0,0.1,2.9,450.0,213.2,47.6,256,114688,0",
                "kernel,zram,lz4,usemem,seq,1,1.75,256,448,1,3.0,0.1,2.9,400.0,213.2,47.6,256,114688,x") + "\n");
        List<String> notes = new ArrayList<>();
        UsememResults usemem = UsememResults.load(List.of(csv, dir.resolve("missing.csv")), notes);
        assertEquals(3, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("line 7 has 11 of 19 fields"), notes.get(0));
        assertTrue(notes.get(1).contains("line 8: bad threads or ratio"), notes.get(1));
        assertTrue(notes.get(2).contains("does not exist"), notes.get(2));

        Cell uvswap = usemem.all().stream().filter(c -> c.system().isUvswap()).findFirst().orElseThrow();
        assertEquals(2, uvswap.rounds());
        assertEquals(200.0, uvswap.write().mean(), 1e-9);
        assertEquals(Math.sqrt(2 * 100.0 * 100.0), uvswap.write().sd(), 1e-9);
        assertEquals(3, uvswap.errors());
        // An error count that is not a number must not read as "no errors".
        Cell zram = usemem.all().stream().filter(c -> c.system().backend().equals("zram")).findFirst().orElseThrow();
        assertEquals(1, zram.errors());
    }

    @Test
    void aFileWithoutHeaderIsSkippedWithANote() throws IOException {
        Path csv = Files.writeString(dir.resolve("u.csv"),
                "uvswap,uvswap,lz4,usemem,seq,1,1.75,256,448,1,4.6,1.8,4.1,100.0,262.4,71.9,261,114688,0\n");
        List<String> notes = new ArrayList<>();
        assertTrue(UsememResults.load(List.of(csv), notes).isEmpty());
        assertEquals(1, notes.size());
        assertTrue(notes.getFirst().contains("has no header line"));
    }
}
