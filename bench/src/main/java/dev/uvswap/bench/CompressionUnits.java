package dev.uvswap.bench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdDictTrainer;
import com.github.luben.zstd.ZstdException;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Issue 18, measured before it is built: how much smaller the pool would be if pages left in units
 * larger than 4 KiB (consecutive pages of one 2 MiB extent compressed as one frame), what one 4 KiB
 * fault would then cost (it must decode the whole unit that holds its page), and what a zstd
 * dictionary trained from a sample of the data's own pages gives to 4 KiB pages.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp uvswap-bench.jar dev.uvswap.bench.CompressionUnits \
 *        --mib 128 --out units.csv
 * </pre>
 *
 * Data sets: the demo's pages (examples/demo's {@code StoreData}, reproduced here), usemem's and the
 * heap-like pages as the usemem harness writes them ({@link PagePattern}), and the running JDK's
 * {@code lib/modules} image cut into 4 KiB pages. zstd is zstd-jni's bundled libzstd and lz4 is
 * lz4-java's native library (LZ4_compress_default / LZ4_decompress_safe, what uvswap's C calls),
 * both through JNI on heap arrays, so absolute speeds are a little below the C floor
 * ({@code CodecFloorBench}); the ratios are exact.
 *
 * <p>Every unit is decompressed and compared with its raw bytes; a mismatch fails the run.
 */
@Command(name = "CompressionUnits", mixinStandardHelpOptions = true,
        description = "Compressed size, speed and one-fault decode cost of 4 KiB .. 2 MiB compression units, and of zstd dictionaries (issue 18).")
public final class CompressionUnits implements Callable<Integer> {
    static final int PAGE = 4096;
    static final int EXTENT = 2 << 20;
    static final int[] UNITS = {4 << 10, 16 << 10, 64 << 10, 256 << 10, 2 << 20};

    @Option(names = "--mib", description = "sample size per data set in MiB, whole 2 MiB extents (default: ${DEFAULT-VALUE}; 8 with --quick)")
    Integer mib;

    @Option(names = "--quick", description = "seconds, not minutes: 8 MiB per data set, 64 fault samples, zstd-3 left out")
    boolean quick;

    @Option(names = "--sets", split = ",", defaultValue = "demo,usemem,heap,jdk",
            description = "data sets: demo, usemem, heap, jdk (default: ${DEFAULT-VALUE})")
    List<String> sets;

    @Option(names = "--dict-kib", defaultValue = "64", description = "dictionary size in KiB (default: ${DEFAULT-VALUE})")
    int dictKib;

    @Option(names = "--dict-sample-pct", defaultValue = "3",
            description = "training sample, % of the data set's pages, taken from its training half (default: ${DEFAULT-VALUE})")
    double dictSamplePct;

    @Option(names = "--fault-samples", description = "units decoded one at a time, in random order, for the one-fault cost (default 1000; 64 with --quick)")
    Integer faultSamples;

    @Option(names = "--out", paramLabel = "FILE.csv", description = "also write the rows as CSV")
    Path out;

    /** The rows of the last {@link #call}, for the test. */
    final List<Row> rows = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new CompressionUnits()).execute(args));
    }

    // ---- data sets --------------------------------------------------------------------------------

    enum DataSet {
        /** examples/demo: index pages, value pages of text and small ints, 1/8 zero, 1/16 random. */
        DEMO,
        /** usemem: each 64-bit word holds its own index in the region ({@link PagePattern#USEMEM}). */
        USEMEM,
        /** the bench's heap-like pattern ({@link PagePattern#HEAP}). */
        HEAP,
        /** the running JDK's lib/modules image, from its start. */
        JDK,
        /** JSON text records, the same fields on every page, as a store of serialized values holds them. */
        RECORDS;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** {@code mib} MiB of the data set (whole 2 MiB extents), or all of it if it is smaller. */
    static byte[] generate(DataSet set, int mib) throws IOException {
        int bytes = Math.toIntExact((long) mib << 20) / EXTENT * EXTENT;
        if (set == DataSet.JDK) {
            Path modules = Path.of(System.getProperty("java.home"), "lib", "modules");
            bytes = (int) Math.min(bytes, Files.size(modules) / EXTENT * EXTENT);
            byte[] data = new byte[bytes];
            try (InputStream in = Files.newInputStream(modules)) {
                if (in.readNBytes(data, 0, bytes) != bytes) {
                    throw new IOException(modules + " is shorter than its size");
                }
            }
            return data;
        }
        byte[] data = new byte[bytes];
        long pages = bytes / PAGE;
        if (set == DataSet.RECORDS) {
            for (long p = 0; p < pages; p++) {
                System.arraycopy(RecordPages.page(p), 0, data, (int) (p * PAGE), PAGE);
            }
            return data;
        }
        for (long p = 0; p < pages; p++) {
            for (int w = 0; w < PAGE / 8; w++) {
                long v = switch (set) {
                    case DEMO -> DemoPages.word(p, w);
                    case USEMEM -> PagePattern.USEMEM.word(p, w);
                    case HEAP -> PagePattern.HEAP.word(p, w);
                    case JDK, RECORDS -> throw new AssertionError();
                };
                LONGS.set(data, (int) (p * PAGE + w * 8L), v);
            }
        }
        return data;
    }

    /**
     * examples/demo's page contents ({@code Demo.StoreData}), word for word: like an off-heap store's,
     * index pages of sorted keys, value pages of text and small integers, some zero pages and a few
     * incompressible ones. Copied, not depended on: the bench does not build against the examples.
     */
    static final class DemoPages {
        static long word(long page, long w) {
            int kind = (int) (mix(page) & 15);
            if (kind < 2) {
                return 0;                                           // empty
            }
            if (kind < 3) {
                return mix(page * 512 + w);                         // incompressible
            }
            if (kind < 8) {
                return page * 65536 + w * 97;                       // index: sorted keys
            }
            long r = mix(page * 7 + w / 8);                         // values: text and small ints
            return (w & 1) == 0 ? 0x2065756c61762041L + (r & 0x0F0F) : r & 0xFFFF;
        }

        static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    /** JSON records: ids, names, e-mail addresses, amounts, flags and tags; the field names repeat. */
    static final class RecordPages {
        private static final String[] TAGS = {"gold", "silver", "bronze", "trial", "churned", "vip"};

        static byte[] page(long page) {
            // Seeded by the page number itself: seeds a multiple of SplittableRandom's own gamma apart
            // would make page p + 1's numbers page p's shifted by one.
            java.util.SplittableRandom r = new java.util.SplittableRandom(page);
            StringBuilder b = new StringBuilder(4200);
            while (b.length() < PAGE) {
                int id = r.nextInt(1_000_000);
                b.append("{\"id\":").append(id).append(",\"user\":\"user").append(r.nextInt(100_000))
                        .append("\",\"email\":\"u").append(id).append("@example.com\",\"balance\":")
                        .append(r.nextInt(100_000)).append('.').append(r.nextInt(100))
                        .append(",\"active\":").append(r.nextBoolean()).append(",\"tags\":[\"")
                        .append(TAGS[r.nextInt(TAGS.length)]).append("\"]}\n");
            }
            return Arrays.copyOf(b.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), PAGE);
        }
    }

    // ---- codecs -----------------------------------------------------------------------------------

    /** One codec at one level, optionally with a dictionary; not thread-safe (it holds its contexts). */
    interface Codec extends AutoCloseable {
        String name();

        String level();

        String dict();

        int bound(int rawLen);

        /** Compresses src[off, off+len) into dst at dstOff; returns the compressed size. */
        int compress(byte[] src, int off, int len, byte[] dst, int dstOff);

        /** Decompresses exactly rawLen bytes into dst at dstOff, or throws. */
        void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int rawLen);

        @Override
        void close();
    }

    static final class ZstdCodec implements Codec {
        private final int level;
        private final ZstdCompressCtx cctx = new ZstdCompressCtx();
        private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();
        private final String dict;
        private final ZstdDictCompress cdict;
        private final ZstdDictDecompress ddict;

        ZstdCodec(int level) {
            this(level, null);
        }

        /** With {@code dictionary} (null: none), digested once for this level, as a pool would. */
        ZstdCodec(int level, byte[] dictionary) {
            this.level = level;
            cctx.setLevel(level);
            // Digested once (ZstdDictCompress) or loaded raw per context (loadDict(byte[])): the same
            // sizes on every data set here (checked on 16 MiB of each), so the digested one, as a pool would.
            if (dictionary != null) {
                cdict = new ZstdDictCompress(dictionary, level);
                ddict = new ZstdDictDecompress(dictionary);
                cctx.loadDict(cdict);
                dctx.loadDict(ddict);
                dict = (dictionary.length >> 10) + "K";
            } else {
                cdict = null;
                ddict = null;
                dict = "-";
            }
        }

        @Override
        public String name() {
            return "zstd";
        }

        @Override
        public String level() {
            return Integer.toString(level);
        }

        @Override
        public String dict() {
            return dict;
        }

        @Override
        public int bound(int rawLen) {
            return (int) Zstd.compressBound(rawLen);
        }

        @Override
        public int compress(byte[] src, int off, int len, byte[] dst, int dstOff) {
            return cctx.compressByteArray(dst, dstOff, dst.length - dstOff, src, off, len);
        }

        @Override
        public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int rawLen) {
            int n = dctx.decompressByteArray(dst, dstOff, rawLen, src, off, len);
            if (n != rawLen) {
                throw new IllegalStateException("zstd decoded " + n + " bytes, not " + rawLen);
            }
        }

        @Override
        public void close() {
            cctx.close();
            dctx.close();
            if (cdict != null) {
                cdict.close();
                ddict.close();
            }
        }
    }

    /** lz4 block format, LZ4_compress_default and LZ4_decompress_safe: what uvswap's C calls. */
    static final class Lz4Codec implements Codec {
        private final LZ4Compressor c = LZ4Factory.nativeInstance().fastCompressor();
        private final LZ4SafeDecompressor d = LZ4Factory.nativeInstance().safeDecompressor();

        @Override
        public String name() {
            return "lz4";
        }

        @Override
        public String level() {
            return "default";
        }

        @Override
        public String dict() {
            return "-";
        }

        @Override
        public int bound(int rawLen) {
            return c.maxCompressedLength(rawLen);
        }

        @Override
        public int compress(byte[] src, int off, int len, byte[] dst, int dstOff) {
            return c.compress(src, off, len, dst, dstOff, dst.length - dstOff);
        }

        @Override
        public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int rawLen) {
            int n = d.decompress(src, off, len, dst, dstOff, rawLen);
            if (n != rawLen) {
                throw new IllegalStateException("lz4 decoded " + n + " bytes, not " + rawLen);
            }
        }

        @Override
        public void close() {
        }
    }

    // ---- measurement ------------------------------------------------------------------------------

    /** The units of one data set compressed by one codec: frame i is buf[offsets[i], offsets[i]+sizes[i]). */
    record Frames(int unit, int rawLen, byte[] buf, int[] offsets, int[] sizes, long nanos) {
        long compressedBytes() {
            long sum = 0;
            for (int s : sizes) {
                sum += s;
            }
            return sum;
        }

        int count() {
            return sizes.length;
        }
    }

    /** Compresses data in units of {@code unit} bytes (data.length a multiple of it), timed as one pass. */
    static Frames compress(Codec codec, byte[] data, int unit) {
        if (data.length % unit != 0 || EXTENT % unit != 0) {
            throw new IllegalArgumentException("unit " + unit + " must divide 2 MiB and the data (" + data.length + ")");
        }
        int n = data.length / unit;
        int bound = codec.bound(unit);
        byte[] buf = new byte[Math.toIntExact((long) n * bound)];
        int[] offsets = new int[n];
        int[] sizes = new int[n];
        // Warm-up: a few units, not timed (the first JNI calls, the contexts' tables).
        for (int i = 0; i < Math.min(n, 4); i++) {
            codec.compress(data, i * unit, unit, buf, 0);
        }
        int at = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            offsets[i] = at;
            sizes[i] = codec.compress(data, i * unit, unit, buf, at);
            at += sizes[i];
        }
        long nanos = System.nanoTime() - t0;
        return new Frames(unit, data.length, buf, offsets, sizes, nanos);
    }

    /** Decompresses every unit into a new array, in order; nanos[0] gets the whole pass's time. */
    static byte[] decompressAll(Codec codec, Frames f, long[] nanos) {
        byte[] back = new byte[f.rawLen()];
        codec.decompress(f.buf(), f.offsets()[0], f.sizes()[0], back, 0, f.unit());   // warm-up
        long t0 = System.nanoTime();
        for (int i = 0; i < f.count(); i++) {
            codec.decompress(f.buf(), f.offsets()[i], f.sizes()[i], back, i * f.unit(), f.unit());
        }
        nanos[0] = System.nanoTime() - t0;
        return back;
    }

    /**
     * The cost of one 4 KiB fault: decoding the one unit that holds the page, for {@code samples}
     * units picked at random (fixed seed), each timed alone. Sorted nanoseconds.
     */
    static long[] faultNanos(Codec codec, Frames f, int samples, long seed) {
        byte[] scratch = new byte[f.unit()];
        Random rnd = new Random(seed);
        long[] t = new long[samples];
        for (int s = 0; s < samples; s++) {
            int i = rnd.nextInt(f.count());
            long t0 = System.nanoTime();
            codec.decompress(f.buf(), f.offsets()[i], f.sizes()[i], scratch, 0, f.unit());
            t[s] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return t;
    }

    /** One measured configuration. {@code sample} is "all" or "test half" (the dictionary comparison). */
    record Row(String set, String sample, String codec, String level, int unit, String dict, long rawBytes,
               long compressedBytes, double compressMbps, double decompressMbps, double faultP50Us, double faultP99Us) {
        double ratio() {
            return (double) compressedBytes / rawBytes;
        }
    }

    /** Compresses, decompresses and checks every byte, then times single-unit decodes. */
    static Row measure(String set, String sample, Codec codec, byte[] data, int unit, int faultSamples) {
        Frames f = compress(codec, data, unit);
        long[] dn = new long[1];
        byte[] back = decompressAll(codec, f, dn);
        if (!Arrays.equals(data, back)) {
            throw new IllegalStateException(set + " " + codec.name() + "-" + codec.level() + " unit " + unit
                    + " dict " + codec.dict() + ": the round trip is not byte-exact");
        }
        long[] fault = faultNanos(codec, f, faultSamples, 18);
        return new Row(set, sample, codec.name(), codec.level(), unit, codec.dict(), data.length, f.compressedBytes(),
                data.length / 1e6 / (f.nanos() / 1e9), data.length / 1e6 / (dn[0] / 1e9),
                percentile(fault, 0.50) / 1e3, percentile(fault, 0.99) / 1e3);
    }

    static double percentile(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    /**
     * Splits data into a training half (the pages of even-numbered 2 MiB extents) and a test half
     * (odd-numbered extents); with fewer than two extents, even and odd 64 KiB blocks instead.
     */
    static byte[][] halves(byte[] data) {
        int block = data.length >= 2 * EXTENT ? EXTENT : 64 << 10;
        int blocks = data.length / block;
        byte[] train = new byte[(blocks + 1) / 2 * block];
        byte[] test = new byte[blocks / 2 * block];
        for (int b = 0; b < blocks; b++) {
            System.arraycopy(data, b * block, (b & 1) == 0 ? train : test, b / 2 * block, block);
        }
        return new byte[][] {train, test};
    }

    /**
     * A zstd dictionary of {@code dictBytes} trained (zstd-jni's ZstdDictTrainer, ZDICT's default
     * fastCover) on {@code samplePages} 4 KiB pages spread evenly over {@code train}.
     */
    static byte[] trainDictionary(byte[] train, int samplePages, int dictBytes) {
        int pages = train.length / PAGE;
        samplePages = Math.max(1, Math.min(samplePages, pages));
        ZstdDictTrainer trainer = new ZstdDictTrainer(samplePages * PAGE, dictBytes);
        for (int s = 0; s < samplePages; s++) {
            int p = (int) ((long) s * pages / samplePages);
            trainer.addSample(Arrays.copyOfRange(train, p * PAGE, (p + 1) * PAGE));
        }
        return trainer.trainSamples();
    }

    // ---- the command ------------------------------------------------------------------------------

    @Override
    public Integer call() throws IOException {
        int mibs = mib != null ? mib : quick ? 8 : 128;
        int samples = faultSamples != null ? faultSamples : quick ? 64 : 1000;
        int[] zstdLevels = quick ? new int[] {1} : new int[] {1, 3};
        int dictBytes = dictKib << 10;
        PrintStream o = System.out;
        rows.clear();
        o.printf(Locale.ROOT, "compression units: %d MiB per data set, %d fault samples, dictionary %d KiB from %.1f%% of the pages%n",
                mibs, samples, dictKib, dictSamplePct);
        for (String name : sets) {
            DataSet set = DataSet.valueOf(name.trim().toUpperCase(Locale.ROOT));
            byte[] data = generate(set, mibs);
            if (data.length == 0) {
                o.println(set.label() + ": no data, skipped");
                continue;
            }
            for (int unit : UNITS) {
                for (int level : zstdLevels) {
                    try (Codec c = new ZstdCodec(level)) {
                        add(o, measure(set.label(), "all", c, data, unit, samples));
                    }
                }
                try (Codec c = new Lz4Codec()) {
                    add(o, measure(set.label(), "all", c, data, unit, samples));
                }
            }
            // Dictionaries: trained on the training half, judged on the test half, 4 KiB pages.
            byte[][] h = halves(data);
            int samplePages = (int) Math.max(Math.ceil(data.length / PAGE * dictSamplePct / 100),
                    Math.min(h[0].length / PAGE, 10L * dictBytes / PAGE));
            byte[] dict;
            try {
                long t0 = System.nanoTime();
                dict = trainDictionary(h[0], samplePages, dictBytes);
                o.printf(Locale.ROOT, "%s: dictionary of %,d bytes trained on %,d pages (%.1f%% of %,d) in %.0f ms%n",
                        set.label(), dict.length, samplePages, 100.0 * samplePages / (data.length / PAGE),
                        data.length / PAGE, (System.nanoTime() - t0) / 1e6);
            } catch (ZstdException e) {
                o.printf("%s: dictionary training failed (%s); no dictionary rows%n", set.label(), e.getMessage());
                dict = null;
            }
            for (int level : new int[] {1, 8}) {
                try (Codec c = new ZstdCodec(level)) {
                    add(o, measure(set.label(), "test half", c, h[1], PAGE, samples));
                }
                if (dict != null) {
                    try (Codec c = new ZstdCodec(level, dict)) {
                        add(o, measure(set.label(), "test half", c, h[1], PAGE, samples));
                    }
                }
            }
        }
        o.println();
        o.print(table(rows));
        if (out != null) {
            Files.writeString(out, csv(rows));
            o.println("wrote " + out);
        }
        return 0;
    }

    private void add(PrintStream o, Row r) {
        rows.add(r);
        o.printf(Locale.ROOT, "  %-6s %-9s %4s-%-7s %7s dict %-4s ratio %.4f  c %7.1f MB/s  d %7.1f MB/s  fault p50 %8.1f us p99 %8.1f us%n",
                r.set(), r.sample(), r.codec(), r.level(), unitLabel(r.unit()), r.dict(), r.ratio(), r.compressMbps(),
                r.decompressMbps(), r.faultP50Us(), r.faultP99Us());
    }

    static String unitLabel(int unit) {
        return unit >= 1 << 20 ? (unit >> 20) + "M" : (unit >> 10) + "K";
    }

    /** The 4 KiB zstd-1 row without a dictionary of the same data set and sample: the 100% mark. */
    static Row baseline(List<Row> rows, Row r) {
        for (Row b : rows) {
            if (b.set().equals(r.set()) && b.sample().equals(r.sample()) && b.codec().equals("zstd")
                    && b.level().equals("1") && b.unit() == PAGE && b.dict().equals("-")) {
                return b;
            }
        }
        return null;
    }

    static double pctOfBaseline(List<Row> rows, Row r) {
        Row b = baseline(rows, r);
        return b == null ? Double.NaN : 100.0 * r.compressedBytes() / b.compressedBytes();
    }

    static final String CSV_HEADER = "data_set,sample,codec,level,unit,dict,raw_bytes,compressed_bytes,ratio,"
            + "pct_of_4k_zstd1,compress_mbps,decompress_mbps,fault_p50_us,fault_p99_us";

    static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%s,%d,%d,%.5f,%.2f,%.1f,%.1f,%.2f,%.2f%n",
                    r.set(), r.sample(), r.codec(), r.level(), unitLabel(r.unit()), r.dict(), r.rawBytes(),
                    r.compressedBytes(), r.ratio(), pctOfBaseline(rows, r), r.compressMbps(), r.decompressMbps(),
                    r.faultP50Us(), r.faultP99Us()));
        }
        return sb.toString();
    }

    static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-6s %-9s %-12s %-5s %-4s %7s %8s %9s %9s %10s %10s%n", "set", "sample",
                "codec", "unit", "dict", "ratio", "%4K-z1", "c MB/s", "d MB/s", "fault p50", "fault p99"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-6s %-9s %-12s %-5s %-4s %7.4f %7.1f%% %9.1f %9.1f %8.1fus %8.1fus%n",
                    r.set(), r.sample(), r.codec() + "-" + r.level(), unitLabel(r.unit()), r.dict(), r.ratio(),
                    pctOfBaseline(rows, r), r.compressMbps(), r.decompressMbps(), r.faultP50Us(), r.faultP99Us()));
        }
        return sb.toString();
    }
}
