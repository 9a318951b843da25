package dev.uvswap.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole report from a real run's files: its sections, key numbers, ratios and target verdicts. */
class ReportTest {
    @TempDir
    static Path out;
    static String md;

    @BeforeAll
    static void write() throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path report = Report.write(List.of(Fixtures.jmh()), List.of(Fixtures.usemem()), out);
        md = Files.readString(report);
    }

    @Test
    void hasEverySectionInOrderAndNoInputProblems() {
        List<String> headings = List.of("# uvswap benchmark report", "## 4 KiB faults (FaultLatencyBench)",
                "## 2 MiB extent swap-in (ThpSwapInBench)", "## Page-out of a 2 MiB extent (PageOutBench)",
                "## Freeing 1 GiB (FreeBench)", "## usemem: uvswap against the kernel (zram, zswap)", "### usemem",
                "### memhog", "### heap", "## Floors", "### userfaultfd round trip (UffdFloorBench)",
                "### Codec time per 4 KiB page (CodecFloorBench)", "### UFFDIO_MOVE of a 2 MiB THP (RawMoveFloor)");
        int at = -1;
        for (String h : headings) {
            int i = ("\n" + md).indexOf("\n" + h + "\n");
            assertTrue(i > at, h + " missing or out of order");
            at = i;
        }
        assertFalse(md.contains("Input problems"), md);
        assertFalse(md.contains("[!WARNING]"), "the real run read back no wrong data");
        assertFalse(md.contains("## Other results"));
        for (String png : Charts.ALL) {
            assertTrue(md.contains("](" + png + ")"), png + " not embedded");
        }
    }

    /** Table rows of a section: cells by header name. */
    private static List<Map<String, String>> table(String heading) {
        String section = md.substring(md.indexOf("\n" + heading + "\n"));
        List<String> lines = section.lines().dropWhile(l -> !l.startsWith("| ")).takeWhile(l -> l.startsWith("|")).toList();
        List<String> header = cells(lines.getFirst());
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(2, lines.size())) {
            List<String> c = cells(line);
            Map<String, String> row = new java.util.LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), c.get(i));
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<String> cells(String line) {
        return List.of(line.substring(2, line.length() - 2).split(" \\| ")).stream().map(String::trim).toList();
    }

    private static double number(String cell) {
        return Double.parseDouble(cell.replace(",", "").replace("x", ""));
    }

    @Test
    void faultVerdictsFollowTheirRatiosAndTheCountAddsUp() {
        List<Map<String, String>> rows = table("## 4 KiB faults (FaultLatencyBench)");
        assertEquals(14, rows.size(), "7 backings x 2 fault modes");
        int met = 0;
        for (Map<String, String> r : rows) {
            double target = r.get("mode").equals("IN_THREAD") ? 1.3 : 1.2;
            double ratio = number(r.get("p50 ÷ floor"));
            String verdict = r.get("target");
            // The cell is rounded to two decimals; the verdict is judged on the exact ratio.
            if (Math.abs(ratio - target) > 0.005) {
                assertEquals(ratio <= target, verdict.equals("met"), r.toString());
            }
            if (!verdict.equals("met")) {
                double missedBy = Double.parseDouble(verdict.replaceAll("missed by (\\d+)%", "$1"));
                assertEquals((ratio / target - 1) * 100, missedBy, 1.0, r.toString());
            }
            met += verdict.equals("met") ? 1 : 0;
        }
        assertTrue(md.contains("\nTarget met by " + met + " of 14 backings.\n"), "the count of met targets");
    }

    @Test
    void aFaultFloorIsTheSumOfItsPartsFromTheJson() {
        JsonNode fault = Fixtures.entry("FaultLatencyBench.touch", Map.of("kind", "ZSWAP_ZSTD", "mode", "SERVER_THREADS"));
        double floor = Fixtures.p50(Fixtures.entry("UffdFloorBench.touch", Map.of("ioctl", "COPY")))
                + Fixtures.p50(Fixtures.entry("CodecFloorBench.decompress", Map.of("codec", "zstd", "data", "heap")));
        Map<String, String> row = table("## 4 KiB faults (FaultLatencyBench)").stream()
                .filter(r -> r.get("backing").equals("ZSWAP_ZSTD") && r.get("mode").equals("SERVER_THREADS"))
                .findFirst().orElseThrow();
        assertEquals("uffd COPY + zstd decompress (heap)", row.get("floor"));
        assertEquals(Fmt.num(Fixtures.p50(fault)), row.get("p50"));
        assertEquals(Fmt.num(floor), row.get("floor p50"));
        assertEquals(String.format(Locale.ROOT, "%.2fx", Fixtures.p50(fault) / floor), row.get("p50 ÷ floor"));

        // In-thread faults are held to the kernel's own first write plus the codec.
        Map<String, String> inThread = table("## 4 KiB faults (FaultLatencyBench)").stream()
                .filter(r -> r.get("backing").equals("ZSWAP_ZSTD") && r.get("mode").equals("IN_THREAD"))
                .findFirst().orElseThrow();
        assertEquals("kernel first write + zstd decompress (heap)", inThread.get("floor"));
    }

    @Test
    void pageOutThroughputIsTwoMebibytesOverTheMedian() {
        JsonNode heap = Fixtures.entry("PageOutBench.pageOut", Map.of("kind", "HEAP_LZ4"));
        double floorUs = Fixtures.p50(Fixtures.entry("RawMoveFloor.moveThp", Map.of()))
                + 512 * Fixtures.p50(Fixtures.entry("CodecFloorBench.compress", Map.of("codec", "lz4", "data", "heap")));
        Map<String, String> row = table("## Page-out of a 2 MiB extent (PageOutBench)").stream()
                .filter(r -> r.get("kind").equals("HEAP_LZ4")).findFirst().orElseThrow();
        assertEquals(Fmt.num((2 << 20) / Fixtures.p50(heap)), row.get("MB/s at p50"));
        assertEquals(Fmt.num((2 << 20) / floorUs), row.get("floor MB/s at p50"));
    }

    @Test
    void freeTimesAreInMilliseconds() {
        JsonNode swapped = Fixtures.entry("FreeBench.free", Map.of("kind", "SWAPPED_ZSTD"));
        Map<String, String> row = table("## Freeing 1 GiB (FreeBench)").getFirst();
        assertEquals("SWAPPED_ZSTD", row.get("kind"));
        assertEquals(Fmt.num(swapped.get("primaryMetric").get("score").asDouble()), row.get("mean"));
        assertEquals("n/a", row.get("±"), "JMH's error of two single shots is NaN");
        assertEquals("2", row.get("runs"));
    }

    @Test
    void usememVerdictsCompareWriteThroughputWithZram() {
        Matcher m = Pattern.compile("Target met by (\\d+) of (\\d+):").matcher(md);
        assertTrue(m.find());
        Pattern line = Pattern.compile("- usemem (?<order>seq|rand) (?<threads>\\d)T (?<ratio>[0-9.]+)x, "
                + "(?<backend>uvswap[a-z-]*)-(?<codec>\\w+): (?<value>[0-9.]+)x \\(vs (?<zram>zram[a-z-]*)-(?<zcodec>\\w+)\\), "
                + "target (?<target>\\d)x: \\*\\*(?<verdict>met|missed by \\d+%)\\*\\*");
        Matcher l = line.matcher(md);
        int lines = 0;
        int met = 0;
        while (l.find()) {
            lines++;
            String order = l.group("order");
            double target = order.equals("seq") ? 3 : 1;
            assertEquals(target, Double.parseDouble(l.group("target")));
            // A huge-page uvswap run is matched with the kernel's huge-page run.
            assertEquals(l.group("backend").endsWith("-thp") ? "zram-thp" : "zram", l.group("zram"), l.group());
            List<Map<String, String>> uv = Fixtures.usememRows("pattern", "usemem", "order", order, "threads",
                    l.group("threads"), "ratio", l.group("ratio"), "backend", l.group("backend"), "codec", l.group("codec"));
            List<Map<String, String>> zram = Fixtures.usememRows("pattern", "usemem", "order", order, "threads",
                    l.group("threads"), "ratio", l.group("ratio"), "backend", l.group("zram"), "codec", l.group("zcodec"));
            double ratio = Fixtures.mean(uv, "write_mbps") / Fixtures.mean(zram, "write_mbps");
            assertEquals(String.format(Locale.ROOT, "%.2f", ratio), l.group("value"), l.group());
            assertEquals(ratio >= target, l.group("verdict").equals("met"), l.group());
            met += l.group("verdict").equals("met") ? 1 : 0;
        }
        assertEquals(Integer.parseInt(m.group(2)), lines);
        assertEquals(Integer.parseInt(m.group(1)), met);
        assertTrue(lines >= 16, "8 configurations x at least 2 uvswap systems: " + lines);
    }

    @Test
    void theCommandLineNeedsOutAndTakesRepeatedInputs(@TempDir Path dir) {
        assertEquals(2, new CommandLine(new Report()).execute("--jmh", "x.json"));
        assertEquals(0, new CommandLine(new Report()).execute("--help"));
        Report r = new Report();
        new CommandLine(r).parseArgs("--jmh=a.json", "--jmh", "b.json", "--usemem", "u.csv", "--out", dir.toString());
        assertEquals(List.of(Path.of("a.json"), Path.of("b.json")), r.jmhFiles);
        assertEquals(List.of(Path.of("u.csv")), r.usememFiles);
        assertEquals(dir, r.out);
    }

    @Test
    void withoutInputsTheReportSaysWhatWasNotRun(@TempDir Path dir) throws IOException {
        String empty = Files.readString(Report.write(List.of(), List.of(), dir));
        assertTrue(empty.contains("from no inputs."));
        assertTrue(empty.contains("JMH benchmarks: not run (no `--jmh` file given)."));
        assertTrue(empty.contains("usemem: not run (no `--usemem` file given)."));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("report.md")), files.toList());
        }
    }

    @Test
    void wrongDataHeadsTheReport(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("u.csv"), String.join(",", UsememCsv.COLUMNS) + "\n"
                + "uvswap,uvswap,lz4,usemem,seq,1,1.75,256,448,1,4.6,1.8,4.1,100.0,262.4,71.9,261,114688,7\n"
                + "kernel,zram,lz4,usemem,seq,1,1.75,256,448,1,3.0,0.1,2.9,400.0,213.2,47.6,256,114688,0\n");
        String text = Files.readString(Report.write(List.of(), List.of(csv), dir.resolve("out")));
        assertTrue(text.contains("> [!WARNING]\n> **usemem read back wrong data (errors > 0) in 1 run:**\n"
                + "> - usemem seq 1T 1.75x, uvswap-lz4: 7 errors over 1 round\n"), text);
        assertTrue(text.indexOf("[!WARNING]") < text.indexOf("## usemem"));
        assertTrue(text.contains("| **7 ERRORS** |"));
        assertTrue(text.contains("0.25x (vs zram-lz4), target 3x: **missed by 92%**"), text);
    }
}
