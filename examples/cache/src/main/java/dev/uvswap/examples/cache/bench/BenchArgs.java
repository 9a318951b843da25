package dev.uvswap.examples.cache.bench;

import dev.uvswap.FaultMode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** CacheBench's command line. */
record BenchArgs(StoreKind store, String label, long budgetMib, long dataMib, int valueBytes, int threads,
                 int seconds, List<Workload> workloads, FaultMode faultMode, Path csv, boolean cgroupBudget) {

    /** Where the cache lives: a uvswap region with the group limit at the budget, or lifted, or kernel memory. */
    enum StoreKind { UVSWAP, RESIDENT, ANON }

    static final String USAGE = """
            usage: CacheBench --store uvswap|resident|anon [--label NAME] [--budget-mib 128] [--data-mib 384]
                              [--value-bytes 1024] [--threads 2] [--seconds 30] [--workloads A,B,C]
                              [--fault-mode servers|in-thread] [--csv FILE] [--cgroup-budget yes]
              uvswap:   the cache in a uvswap region, its group's memoryMax = the budget
              resident: the same with no limit (all resident: the control)
              anon:     the cache on plain mmap'd memory, no uvswap (run it in a memory cgroup with kernel swap)
              --cgroup-budget yes: (anon) before the cache is made, set the process's own memory cgroup
                        limit to its charge then (the JVM's footprint) + the budget
              workloads: A = 50% read / 50% update, B = 95/5, C = 100% read; keys scrambled Zipfian 0.99
            """;

    static BenchArgs parse(String[] args) {
        StoreKind store = null;
        String label = null;
        long budget = 128;
        long data = 384;
        int value = 1024;
        int threads = 2;
        int seconds = 30;
        List<Workload> workloads = List.of(Workload.A, Workload.B, Workload.C);
        FaultMode mode = FaultMode.SERVER_THREADS;
        Path csv = null;
        boolean cgroupBudget = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--store" -> store = StoreKind.valueOf(v.toUpperCase());
                case "--label" -> label = v;
                case "--budget-mib" -> budget = positive(a, v);
                case "--data-mib" -> data = positive(a, v);
                case "--value-bytes" -> value = (int) positive(a, v);
                case "--threads" -> threads = (int) positive(a, v);
                case "--seconds" -> seconds = (int) positive(a, v);
                case "--workloads" -> {
                    List<Workload> w = new ArrayList<>();
                    for (String name : v.split(",")) {
                        w.add(Workload.named(name.trim()));
                    }
                    workloads = List.copyOf(w);
                }
                case "--fault-mode" -> mode = switch (v) {
                    case "servers" -> FaultMode.SERVER_THREADS;
                    case "in-thread" -> FaultMode.IN_THREAD;
                    default -> throw new IllegalArgumentException("--fault-mode: servers or in-thread, not " + v);
                };
                case "--csv" -> csv = Path.of(v);
                case "--cgroup-budget" -> cgroupBudget = v.equals("yes");
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (store == null) {
            throw new IllegalArgumentException("--store is required\n" + USAGE);
        }
        if (value < Ycsb.HEADER) {
            throw new IllegalArgumentException("--value-bytes must be at least " + Ycsb.HEADER);
        }
        return new BenchArgs(store, label != null ? label : store.name().toLowerCase(), budget, data, value, threads,
                seconds, workloads, mode, csv, cgroupBudget);
    }

    private static long positive(String opt, String v) {
        long n = Long.parseLong(v);
        if (n <= 0) {
            throw new IllegalArgumentException(opt + " must be positive: " + v);
        }
        return n;
    }

    long records() {
        return (dataMib << 20) / valueBytes;
    }
}
