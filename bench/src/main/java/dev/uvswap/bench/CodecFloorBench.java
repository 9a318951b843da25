package dev.uvswap.bench;

import dev.uvswap.Compressor;
import dev.uvswap.bindings.uvswap.uvs_codec;
import dev.uvswap.internal.codec.CompressionCodec;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;

/**
 * The codec floor: compressing or decompressing one 4 KiB page with the very functions uvswap's
 * C calls (the entry points {@link CompressionCodec} hands it: ZSTD_compress2 at the default
 * level 1 and ZSTD_decompressDCtx, LZ4_compress_default and LZ4_decompress_safe), called straight
 * through the FFM linker on the same page contents the fault and pageOut benchmarks use.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class CodecFloorBench {
    static final int PAGES = 256;
    static final long PAGE = PagePattern.PAGE;
    static final int ZSTD_C_COMPRESSION_LEVEL = 100;

    @Param({"zstd", "lz4"})
    public String codec;

    @Param({"heap", "usemem"})
    public String data;

    private final Arena arena = Arena.ofConfined();
    private MemorySegment pages;
    private MemorySegment stored;
    private final long[] storedLen = new long[PAGES];
    private MemorySegment out;
    private MethodHandle compress;
    private MethodHandle decompress;
    private MemorySegment cctx;
    private MemorySegment dctx;
    private int next;

    @Setup(Level.Trial)
    public void start() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MemorySegment fns = uvs_codec.allocate(arena);
        boolean zstd = codec.equals("zstd");
        CompressionCodec.resolve(fns, zstd ? Compressor.ZSTD : Compressor.LZ4, 1);
        if (zstd) {
            var size = ValueLayout.JAVA_LONG;
            compress = linker.downcallHandle(uvs_codec.zstd_compress2(fns), FunctionDescriptor.of(size,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, ValueLayout.ADDRESS, size));
            decompress = linker.downcallHandle(uvs_codec.zstd_decompress_dctx(fns), FunctionDescriptor.of(size,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, ValueLayout.ADDRESS, size));
            FunctionDescriptor create = FunctionDescriptor.of(ValueLayout.ADDRESS);
            cctx = (MemorySegment) linker.downcallHandle(uvs_codec.zstd_create_cctx(fns), create).invokeExact();
            dctx = (MemorySegment) linker.downcallHandle(uvs_codec.zstd_create_dctx(fns), create).invokeExact();
            long r = (long) linker.downcallHandle(uvs_codec.zstd_cctx_set_parameter(fns), FunctionDescriptor.of(size,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT))
                    .invokeExact(cctx, ZSTD_C_COMPRESSION_LEVEL, 1);
            check(r >= 0, "ZSTD_CCtx_setParameter");
        } else {
            FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            compress = linker.downcallHandle(uvs_codec.lz4_compress_default(fns), fd);
            decompress = linker.downcallHandle(uvs_codec.lz4_decompress_safe(fns), fd);
        }
        pages = arena.allocate(PAGES * PAGE, PAGE);
        stored = arena.allocate(PAGES * PAGE, PAGE);
        out = arena.allocate(PAGE, PAGE);
        PagePattern.valueOf(data.toUpperCase()).fill(pages, PAGES);
        long total = 0;
        for (next = 0; next < PAGES; next++) {
            storedLen[next] = compressOne();
            total += storedLen[next];
            MemorySegment.copy(out, 0, stored, next * PAGE, storedLen[next]);
        }
        for (next = 0; next < PAGES; next++) {
            decompressOne();
            check(out.mismatch(pages.asSlice(next * PAGE, PAGE)) < 0, "page " + next + " did not round-trip");
        }
        System.out.printf("%n  %s on %s pages: ratio %.2f%n", codec, data, (double) PAGES * PAGE / total);
        next = 0;
    }

    private long compressOne() throws Throwable {
        MemorySegment src = pages.asSlice(next * PAGE, PAGE);
        long n = cctx != null
                ? (long) compress.invokeExact(cctx, out, PAGE, src, PAGE)
                : (int) compress.invokeExact(src, out, (int) PAGE, (int) PAGE);
        check(n > 0 && n <= PAGE, "compress returned " + n);
        return n;
    }

    private long decompressOne() throws Throwable {
        MemorySegment src = stored.asSlice(next * PAGE, storedLen[next]);
        long n = dctx != null
                ? (long) decompress.invokeExact(dctx, out, PAGE, src, storedLen[next])
                : (int) decompress.invokeExact(src, out, (int) storedLen[next], (int) PAGE);
        check(n == PAGE, "decompress returned " + n);
        return n;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    @Benchmark
    public long compress() throws Throwable {
        next = (next + 1) % PAGES;
        return compressOne();
    }

    @Benchmark
    public long decompress() throws Throwable {
        next = (next + 1) % PAGES;
        return decompressOne();
    }

    @TearDown(Level.Trial)
    public void stop() {
        arena.close();
    }
}
