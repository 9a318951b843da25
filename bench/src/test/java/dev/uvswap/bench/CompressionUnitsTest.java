package dev.uvswap.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.uvswap.bench.CompressionUnits.EXTENT;
import static dev.uvswap.bench.CompressionUnits.PAGE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CompressionUnits' quick mode on a small sample: the numbers are sane and agree with each other and
 * with the CSV, every unit round-trips byte for byte, dictionaries too. No wall-clock assertions.
 */
class CompressionUnitsTest {
    @TempDir
    static Path dir;
    static CompressionUnits cmd;
    static List<String> csv;

    @BeforeAll
    static void runQuick() throws Exception {
        cmd = new CompressionUnits();
        Path out = dir.resolve("units.csv");
        int rc = new CommandLine(cmd).execute("--quick", "--mib", "4", "--fault-samples", "8", "--dict-kib", "16",
                "--out", out.toString());
        assertEquals(0, rc);
        csv = Files.readAllLines(out);
    }

    @Test
    void everyDataSetUnitAndCodecHasASaneRow() {
        List<CompressionUnits.Row> rows = cmd.rows;
        for (String set : List.of("demo", "usemem", "heap", "jdk")) {
            for (int unit : CompressionUnits.UNITS) {
                for (String codec : List.of("zstd", "lz4")) {
                    assertTrue(rows.stream().anyMatch(r -> r.set().equals(set) && r.sample().equals("all")
                            && r.unit() == unit && r.codec().equals(codec)), set + " " + codec + " " + unit);
                }
            }
        }
        for (CompressionUnits.Row r : rows) {
            long units = r.rawBytes() / r.unit();
            int bound = r.codec().equals("zstd") ? (int) com.github.luben.zstd.Zstd.compressBound(r.unit())
                    : net.jpountz.lz4.LZ4Factory.nativeInstance().fastCompressor().maxCompressedLength(r.unit());
            assertTrue(r.rawBytes() > 0 && r.rawBytes() % r.unit() == 0, r.toString());
            assertTrue(r.compressedBytes() > 0, r.toString());
            assertTrue(r.compressedBytes() <= units * bound, r + ": more than the codec's bound");
            assertTrue(r.ratio() > 0 && r.ratio() <= (double) bound / r.unit(), r.toString());
            assertTrue(r.compressMbps() > 0 && r.decompressMbps() > 0, r.toString());
            assertTrue(r.faultP50Us() > 0 && r.faultP50Us() <= r.faultP99Us(), r.toString());
        }
    }

    @Test
    void theCsvSaysWhatTheRowsSay() {
        assertEquals(CompressionUnits.CSV_HEADER, csv.get(0));
        assertEquals(cmd.rows.size(), csv.size() - 1);
        List<String> h = Arrays.asList(csv.get(0).split(","));
        for (int i = 0; i < cmd.rows.size(); i++) {
            CompressionUnits.Row r = cmd.rows.get(i);
            String[] f = csv.get(i + 1).split(",");
            assertEquals(r.set(), f[h.indexOf("data_set")]);
            assertEquals(r.compressedBytes(), Long.parseLong(f[h.indexOf("compressed_bytes")]));
            assertEquals(r.rawBytes(), Long.parseLong(f[h.indexOf("raw_bytes")]));
            assertEquals(r.ratio(), Double.parseDouble(f[h.indexOf("ratio")]), 1e-5);
            CompressionUnits.Row base = CompressionUnits.baseline(cmd.rows, r);
            assertNotNull(base, r.toString());
            assertEquals(100.0 * r.compressedBytes() / base.compressedBytes(),
                    Double.parseDouble(f[h.indexOf("pct_of_4k_zstd1")]), 0.01);
        }
        // The 100% rows are 100%.
        assertTrue(csv.stream().skip(1).filter(l -> l.contains(",zstd,1,4K,-,"))
                .allMatch(l -> l.split(",")[h.indexOf("pct_of_4k_zstd1")].equals("100.00")));
    }

    @Test
    void dictionaryRowsAreJudgedOnTheTestHalfAgainstTheirOwnBaseline() {
        Map<String, List<CompressionUnits.Row>> half = cmd.rows.stream().filter(r -> r.sample().equals("test half"))
                .collect(Collectors.groupingBy(CompressionUnits.Row::set));
        assertEquals(Set.of("demo", "usemem", "heap", "jdk"), half.keySet());
        for (List<CompressionUnits.Row> rs : half.values()) {
            assertTrue(rs.stream().allMatch(r -> r.unit() == PAGE && r.codec().equals("zstd")));
            long raw = rs.get(0).rawBytes();
            assertTrue(rs.stream().allMatch(r -> r.rawBytes() == raw), "one test half per data set");
            assertTrue(rs.stream().anyMatch(r -> !r.dict().equals("-")), "a dictionary row: " + rs);
        }
    }

    @Test
    void unitsRoundTripByteForByte() throws Exception {
        byte[] data = CompressionUnits.generate(CompressionUnits.DataSet.DEMO, 2);
        for (int unit : CompressionUnits.UNITS) {
            for (CompressionUnits.Codec c : List.<CompressionUnits.Codec>of(new CompressionUnits.ZstdCodec(1),
                    new CompressionUnits.Lz4Codec())) {
                try (c) {
                    CompressionUnits.Frames f = CompressionUnits.compress(c, data, unit);
                    assertEquals(data.length / unit, f.count());
                    // Each unit alone, from its own frame.
                    for (int i = 0; i < f.count(); i++) {
                        byte[] one = new byte[unit];
                        c.decompress(f.buf(), f.offsets()[i], f.sizes()[i], one, 0, unit);
                        assertArrayEquals(Arrays.copyOfRange(data, i * unit, (i + 1) * unit), one,
                                c.name() + " unit " + unit + " #" + i);
                    }
                    assertArrayEquals(data, CompressionUnits.decompressAll(c, f, new long[1]));
                }
            }
        }
    }

    @Test
    void aZeroExtentIsTinyInOneFrame() {
        byte[] zeros = new byte[EXTENT];
        for (CompressionUnits.Codec c : List.<CompressionUnits.Codec>of(new CompressionUnits.ZstdCodec(1),
                new CompressionUnits.Lz4Codec())) {
            try (c) {
                CompressionUnits.Row whole = CompressionUnits.measure("zero", "all", c, zeros, EXTENT, 4);
                CompressionUnits.Row pages = CompressionUnits.measure("zero", "all", c, zeros, PAGE, 4);
                assertTrue(whole.ratio() < 0.01, whole.toString());
                assertTrue(whole.compressedBytes() < pages.compressedBytes(), whole + " vs " + pages);
            }
        }
    }

    @Test
    void dictionaryRoundTripsAndDoesNotTrainOnWhatItIsJudgedOn() throws Exception {
        byte[] data = CompressionUnits.generate(CompressionUnits.DataSet.HEAP, 4);
        byte[][] h = CompressionUnits.halves(data);
        assertEquals(data.length, h[0].length + h[1].length);
        assertArrayEquals(Arrays.copyOfRange(data, 0, EXTENT), h[0]);            // extent 0 trains
        assertArrayEquals(Arrays.copyOfRange(data, EXTENT, 2 * EXTENT), h[1]);   // extent 1 is judged
        byte[] dict = CompressionUnits.trainDictionary(h[0], 160, 16 << 10);
        assertTrue(dict.length > 0 && dict.length <= 16 << 10, "dictionary of " + dict.length);
        for (int level : new int[] {1, 8}) {
            try (CompressionUnits.Codec c = new CompressionUnits.ZstdCodec(level, dict)) {
                CompressionUnits.Frames f = CompressionUnits.compress(c, h[1], PAGE);
                assertArrayEquals(h[1], CompressionUnits.decompressAll(c, f, new long[1]), "level " + level);
                // The frames name the dictionary: they do not decode without it.
                try (CompressionUnits.Codec plain = new CompressionUnits.ZstdCodec(level)) {
                    Function<Integer, Boolean> decodes = i -> {
                        try {
                            plain.decompress(f.buf(), f.offsets()[i], f.sizes()[i], new byte[PAGE], 0, PAGE);
                            return true;
                        } catch (RuntimeException e) {
                            return false;
                        }
                    };
                    assertTrue(!decodes.apply(0), "a dictionary frame decoded without its dictionary");
                }
            }
        }
    }
}
