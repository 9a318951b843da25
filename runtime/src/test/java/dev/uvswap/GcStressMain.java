package dev.uvswap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child-JVM body of {@link GcSafepointTest}: threads fault pages back in while others allocate
 * garbage and force GCs. Exits 0 when every page checked out, 1 on a wrong byte, 2 on an error.
 * A fault path that needed the JVM would hang here at the first safepoint. With "control" as
 * the second argument the same loops run over plain off-heap memory, never paged out: no
 * faults, the time to safepoint the JVM and the machine give without uvswap.
 */
public final class GcStressMain {
    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(args[0]);
        boolean control = args.length > 1 && args[1].equals("control");
        // "faults-in-thread": the faults are served in uvswap's SIGBUS handler on the faulting
        // threads themselves, which a safepoint must then wait out like any code in Java.
        RegionOption served = args.length > 1 && args[1].equals("faults-in-thread")
                ? RegionOption.FAULTS_IN_THREAD : RegionOption.FAULTS_ON_SERVERS;
        int pages = 8192;  // 32 MiB
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong faultedPages = new AtomicLong();
        AtomicLong gcs = new AtomicLong();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (VSwap vswap = VSwap.builder().faultThreads(2).build(); Region region = vswap.allocate((long) pages * 4096, served);
             Arena plain = Arena.ofShared()) {
            MemorySegment seg = control ? plain.allocate((long) pages * 4096, 4096) : region.segment();
            for (long p = 0; p < pages; p++) {
                PageData.HEAP_LIKE.fill(seg, p, p);
            }
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        long half = pages / 2;
                        while (!stop.get()) {
                            if (!control) {
                                region.pageOut(id * half * 4096, half * 4096);
                            }
                            for (long p = id * half; p < (id + 1) * half; p++) {
                                if (PageData.HEAP_LIKE.check(seg, p, p) != -1) {
                                    throw new AssertionError("page " + p + " differs");
                                }
                                faultedPages.incrementAndGet();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (int t = 0; t < 2; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    List<byte[]> keep = new ArrayList<>();
                    long n = 0;
                    while (!stop.get()) {
                        keep.add(new byte[1 << 14]);
                        if (keep.size() > 2000) {
                            keep.clear();
                        }
                        if (++n % 500 == 0) {
                            System.gc();
                            gcs.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(seconds * 1000);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            System.out.printf("%s %,d pages, %,d forced GCs%n", control ? "checked (no faults)" : "faulted and checked",
                    faultedPages.get(), gcs.get());
        }
        if (!failures.isEmpty()) {
            failures.get(0).printStackTrace();
            System.exit(failures.get(0) instanceof AssertionError ? 1 : 2);
        }
        if (faultedPages.get() == 0 || gcs.get() == 0) {
            System.out.println("no progress");
            System.exit(2);
        }
    }
}
