package dev.uvswap.bench;

import dev.uvswap.FarTierSpec;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The far tier against the local swap file and against its own floor, in one run (issue 18,
 * bench/RESULTS.md): a Debian redis-server on a loopback port, started here.
 * <ul>
 *   <li>writeback: 256 MiB of heap-like pages in the pool, the limit dropped to 1 MiB, timed
 *       until the pool is under it: MB/s of pages (uncompressed) to the far tier, and to a swap
 *       file;</li>
 *   <li>4 KiB faults: random single-page reads of pages in the far tier, in a swap file and in
 *       the pool, timed around the touch (the fault's whole cost as the application sees it);</li>
 *   <li>the floor: {@code redis-benchmark} GET of 4,128-byte values (one page and its record)
 *       with one client and no pipelining, the round trip every far fault makes.</li>
 * </ul>
 * Usage: {@code java --enable-native-access=ALL-UNNAMED -cp uvswap-bench.jar dev.uvswap.bench.FarTierBench [MiB]}.
 */
public final class FarTierBench {
    private static final long PAGE = 4096;
    private static final int TOUCHES = 4000;

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 256;
        long bytes = mib << 20;
        Path redis = Path.of("/usr/bin/redis-server");
        if (!Files.isExecutable(redis)) {
            System.err.println("FarTierBench: redis-server not installed (Debian package redis-server)");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("uvswap-far-bench");
        int port = freePort();
        Process server = new ProcessBuilder(redis.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
        try {
            awaitPing(port);
            System.out.printf("far tier bench: %d MiB of heap-like pages, redis-server on 127.0.0.1:%d%n", mib, port);
            System.out.printf("floor: redis-benchmark GET 4128 B, 1 client: %s%n", floor(port));
            for (RegionOption faults : List.of(RegionOption.FAULTS_IN_THREAD, RegionOption.FAULTS_ON_SERVERS)) {
                System.out.println("-- faults: " + faults);
                runFar(bytes, port, faults);
                System.out.printf("far tier: sequential read %.0f MB/s page by page, %.0f MB/s a run at a time%n",
                        sequential(bytes, port, faults, false), sequential(bytes, port, faults, true));
                runFile(bytes, dir.resolve("bench.swap"), faults);
            }
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void runFar(long bytes, int port, RegionOption faults) throws Exception {
        try (VSwap v = VSwap.builder().zswapMaxBytes(1L << 40).build();
             Region r = v.allocate(bytes, RegionOption.SMALL_PAGES, faults)) {
            v.addFarTier(FarTierSpec.redis("127.0.0.1", port, 4L << 30));
            double s = writeback(v, r, bytes);
            System.out.printf("far tier: writeback %.0f MB/s (%d pages, %.2f s), %,d stored bytes in %,d pages%n",
                    bytes / 1e6 / s, v.stats().zswpwb(), s, v.farTier().orElseThrow().storedBytes(),
                    v.farTier().orElseThrow().pagesUsed());
            System.out.println("far tier: 4 KiB fault " + touches(r, bytes, v));
        }
    }

    /**
     * MB/s of a sequential reader of far pages: readahead a run at a time (one pipelined round of
     * GETs a run) or page by page (a round trip a page), property dev.uvswap.batchReadahead.
     */
    private static double sequential(long bytes, int port, RegionOption faults, boolean batch) throws Exception {
        System.setProperty("dev.uvswap.batchReadahead", Boolean.toString(batch));
        try (VSwap v = VSwap.builder().zswapMaxBytes(1L << 40).build();
             Region r = v.allocate(bytes, RegionOption.SMALL_PAGES, faults)) {
            v.addFarTier(FarTierSpec.redis("127.0.0.1", port, 4L << 30));
            writeback(v, r, bytes);
            long t0 = System.nanoTime();
            long sum = 0;
            for (long off = 0; off < bytes; off += 8) {
                sum += r.segment().get(ValueLayout.JAVA_LONG, off);
            }
            double mbs = bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
            for (long p = 0; p < bytes / PAGE; p++) {
                if (r.segment().get(ValueLayout.JAVA_LONG, p * PAGE + 8) != PagePattern.HEAP.word(p, 1)) {
                    throw new AssertionError("page " + p + " came back wrong");
                }
            }
            return mbs + (sum == 42 ? 1e-9 : 0);
        } finally {
            System.clearProperty("dev.uvswap.batchReadahead");
        }
    }

    private static void runFile(long bytes, Path file, RegionOption faults) throws Exception {
        try (VSwap v = VSwap.builder().zswapMaxBytes(1L << 40).swapFile(file, 4L << 30).build();
             Region r = v.allocate(bytes, RegionOption.SMALL_PAGES, faults)) {
            double s = writeback(v, r, bytes);
            System.out.printf("swap file: writeback %.0f MB/s (%d pages, %.2f s)%n", bytes / 1e6 / s, v.stats().zswpwb(), s);
            System.out.println("swap file: 4 KiB fault " + touches(r, bytes, v));
            // The same pages from the pool: the limit high, the touched ones paged out again.
            v.setZswapMaxBytes(1L << 40);
            r.prefault(0, bytes);
            r.pageOut(0, bytes);
            System.out.println("pool: 4 KiB fault " + touches(r, bytes, v));
        }
    }

    /** The region's pages into the pool, then the limit at 1 MiB: seconds until writeback is under it. */
    private static double writeback(VSwap v, Region r, long bytes) {
        r.prefault(0, bytes);
        PagePattern.HEAP.fill(r.segment(), bytes / PAGE);
        r.pageOut(0, bytes);
        long t0 = System.nanoTime();
        v.setZswapMaxBytes(1 << 20);
        while (v.stats().poolTotalBytes() > 1 << 20) {
            Thread.onSpinWait();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Touches TOUCHES random pages once each, timing each touch: "p50 X µs, p99 Y µs, mean Z µs (n from tier)". */
    private static String touches(Region r, long bytes, VSwap v) {
        SplittableRandom rnd = new SplittableRandom(42);
        long pages = bytes / PAGE;
        long[] ns = new long[TOUCHES];
        long[] order = rnd.longs(TOUCHES * 2L, 0, pages).distinct().limit(TOUCHES).toArray();
        long sum = 0;
        long before = v.stats().swpinFile() + v.stats().zswpin();
        for (int i = 0; i < order.length; i++) {
            long t0 = System.nanoTime();
            sum += r.segment().get(ValueLayout.JAVA_LONG, order[i] * PAGE);
            ns[i] = System.nanoTime() - t0;
        }
        long served = v.stats().swpinFile() + v.stats().zswpin() - before;
        Arrays.sort(ns, 0, order.length);
        double mean = Arrays.stream(ns, 0, order.length).average().orElse(0) / 1e3;
        return String.format("p50 %.1f µs, p99 %.1f µs, mean %.1f µs (%d touches, %d swapped in; checksum %x)",
                ns[order.length / 2] / 1e3, ns[order.length * 99 / 100] / 1e3, mean, order.length, served, sum & 0xff);
    }

    private static String floor(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-benchmark", "-p", Integer.toString(port), "-t", "get", "-d", "4128",
                "-c", "1", "-n", "20000", "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        List<String> lines = out.lines().map(l -> l.substring(l.lastIndexOf('\r') + 1).trim())
                .filter(l -> l.startsWith("GET")).toList();
        return lines.isEmpty() ? "(redis-benchmark said: " + out.strip() + ")" : lines.getLast();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPing(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] b = new byte[7];
                if (s.getInputStream().read(b) > 0 && new String(b, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return;
                }
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("redis-server did not answer on port " + port);
    }
}
