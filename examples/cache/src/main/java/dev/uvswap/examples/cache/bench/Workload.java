package dev.uvswap.examples.cache.bench;

/** A YCSB core workload: the share of operations that read (the rest update a whole value). */
record Workload(String name, double readProportion) {
    static final Workload A = new Workload("A", 0.50);
    static final Workload B = new Workload("B", 0.95);
    static final Workload C = new Workload("C", 1.00);

    static Workload named(String name) {
        return switch (name.toUpperCase()) {
            case "A" -> A;
            case "B" -> B;
            case "C" -> C;
            default -> throw new IllegalArgumentException("unknown workload " + name + " (A, B or C)");
        };
    }
}
