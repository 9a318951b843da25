/**
 * uvswap's benchmarks: JMH suites, the usemem/memhog harness, the raw userfaultfd floor and the
 * report. They measure floors below the API (the codec's C entry points, raw userfaultfd), which is
 * why the runtime and the bindings export those packages to this module alone.
 */
module dev.uvswap.bench {
    requires dev.uvswap;
    requires dev.uvswap.bindings;
    requires jmh.core;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires org.apache.commons.csv;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires java.management;
    // CompressionUnits (issue 18): zstd frames of any size and zstd's dictionary trainer; lz4 blocks.
    requires com.github.luben.zstd_jni;
    requires org.lz4.java;

    // Jackson binds JMH's JSON into the report's records; picocli fills the commands' options.
    opens dev.uvswap.bench.report to com.fasterxml.jackson.databind, info.picocli;
    opens dev.uvswap.bench to info.picocli, jmh.core;
}
