package dev.uvswap.netty;

import dev.uvswap.FaultMode;
import dev.uvswap.Region;
import dev.uvswap.RegionOption;
import dev.uvswap.VSwap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link SlabNeighboursTest}'s failure with the public Region API alone, no Netty: a small-page
 * region, 4 threads each owning 256 bytes of page 0; each round a thread writes its
 * bytes, pages the page out, checks its bytes, pages it out again, then (with {@code fileRead}) reads 256 bytes of a file
 * into its slice with pread after a prefault (again on EFAULT, as a neighbour's pageOut can take
 * the page between the two) and checks them.
 */
class LostWriteReproTest {
    private static final int THREADS = 4;
    private static final int SLICE = 256;

    @ParameterizedTest(name = "{0}, prefault + pread {1}")
    @CsvSource({"IN_THREAD, true", "IN_THREAD, false", "SERVER_THREADS, false"})
    @Timeout(120)
    void concurrentPageOutsOfOnePageKeepEveryWrite(FaultMode mode, boolean fileRead) throws Exception {
        assumeTrue(!(mode == FaultMode.IN_THREAD && fileRead) || Boolean.getBoolean(SlabNeighboursTest.REPRO),
                SlabNeighboursTest.EFAULT_BOUND + " Run it with -D" + SlabNeighboursTest.REPRO + "=true.");
        int rounds = Integer.getInteger("uvswap.netty.neighbours.rounds", 3000);
        Path file = Files.createTempFile("uvswap-netty", ".bin");
        byte[] fileBytes = new byte[THREADS * SLICE];
        for (int i = 0; i < fileBytes.length; i++) {
            fileBytes[i] = Pattern.at(1_000_000 + i);
        }
        Files.write(file, fileBytes);
        AtomicLong efaults = new AtomicLong();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             VSwap vswap = VSwap.builder().faultMode(mode).faultThreads(2).build();
             Region region = vswap.allocate(2 << 20, RegionOption.SMALL_PAGES);
             ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    MemorySegment mine = region.segment().asSlice((long) id * SLICE, SLICE);
                    byte[] bytes = new byte[SLICE];
                    for (int round = 0; round < rounds; round++) {
                        long base = ((long) id * rounds + round) * SLICE;
                        for (int i = 0; i < SLICE; i++) {
                            bytes[i] = Pattern.at(base + i);
                        }
                        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, mine, 0, SLICE);   // a bulk copy, as ByteBuf.setBytes(byte[]) makes
                        region.pageOut(0, 4096);
                        for (int i = 0; i < SLICE; i++) {
                            byte got = mine.get(ValueLayout.JAVA_BYTE, i);
                            if (got != Pattern.at(base + i)) {
                                return "thread " + id + " round " + round + ": byte " + i + " is " + got
                                        + (got == 0 ? " (zero)" : round > 0 && got == Pattern.at(1_000_000 + (long) id * SLICE + i)
                                        ? " (the previous round's file byte)" : "") + ", wrote " + Pattern.at(base + i) + ", read after pageOut";
                            }
                        }
                        if (!fileRead) {
                            continue;
                        }
                        region.pageOut(0, 4096);
                        // as UvswapByteBuf.setBytes(FileChannel) does in IN_THREAD: prefault, pread, again on EFAULT
                        // A neighbour's pageOut during the copy can also make it short (the bytes before the page left): read on.
                        java.nio.ByteBuffer into = mine.asByteBuffer();
                        for (int attempt = 1; into.hasRemaining(); attempt++) {
                            region.prefault(0, 4096);
                            try {
                                ch.read(into, (long) id * SLICE + into.position());
                            } catch (java.io.IOException e) {
                                if (attempt == 8 || !"Bad address".equals(e.getMessage())) {
                                    throw e;
                                }
                                efaults.incrementAndGet();
                            }
                        }
                        for (int i = 0; i < SLICE; i++) {
                            byte got = mine.get(ValueLayout.JAVA_BYTE, i);
                            if (got != Pattern.at(1_000_000 + (long) id * SLICE + i)) {
                                String what = got == Pattern.at(base + i) ? "the byte this thread wrote before the read"
                                        : got == 0 ? "zero" : "neither the file's nor this round's byte";
                                return "thread " + id + " round " + round + ": byte " + i + " is " + got + " (" + what
                                        + ") after the preads, file byte " + Pattern.at(1_000_000 + (long) id * SLICE + i);
                            }
                        }
                    }
                    return "ok";
                }));
            }
            for (Future<String> r : results) {
                assertEquals("ok", r.get(100, TimeUnit.SECONDS), "EFAULT retries so far " + efaults.get());
            }
            System.out.println("[lost-write repro " + mode + ", " + fileRead + "] passed; EFAULT retries " + efaults.get());
        } finally {
            Files.delete(file);
        }
    }
}
