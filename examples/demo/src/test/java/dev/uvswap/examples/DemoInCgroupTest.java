package dev.uvswap.examples;

import dev.uvswap.testing.TestCgroup;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Larger than RAM, for real: the demo's default run, in its own JVM inside a memory cgroup of
 * {@value #LIMIT_MIB} MiB (the 1 GiB of `./uvs demo` in a 1 GiB container, scaled down to keep the
 * suite short), picks 3 times that much data from the cgroup's limit, streams it through, reads
 * every page back, and says how it fitted. The kernel's OOM killer is the referee.
 */
class DemoInCgroupTest {
    private static final long LIMIT_MIB = 512;

    @Test
    void threeTimesTheCgroupsLimitGoesThroughAndComesBack() throws Exception {
        try (TestCgroup cg = TestCgroup.create("uvswap-demo-" + ProcessHandle.current().pid(), LIMIT_MIB << 20)) {
            DemoProcess demo = DemoProcess.of(cg.start(DemoProcess.command()));
            System.out.println(demo.out());
            System.err.println(demo.err());
            assertEquals(0, cg.oomKills(), "the demo was OOM-killed in its cgroup");
            assertEquals(0, demo.exit(), demo.err());
            assertTrue(demo.out().contains("this process may use 512.0 MiB (the limit of memory cgroup " + cg.dir()), demo.out());
            assertTrue(demo.out().contains("uvswap demo: 1.50 GiB of data through a memory group of max 64.0 MiB"), demo.out());
            assertTrue(demo.out().contains("3.0x the memory this process may use"), demo.out());
            assertTrue(demo.out().contains("OK: every one of 393,216 pages came back byte for byte"), demo.out());
            assertTrue(demo.out().contains("larger than RAM: 1.50 GiB of data went through a process allowed 512.0 MiB"), demo.out());
            Matcher rss = Pattern.compile("process peak RSS +([0-9.]+) MiB").matcher(demo.out());
            assertTrue(rss.find(), demo.out());
            assertTrue(Double.parseDouble(rss.group(1)) < LIMIT_MIB, "peak RSS inside the cgroup's limit: " + rss.group());
            assertFalse(demo.out().contains("\u001b"), "no escape bytes on stdout");
            // stderr may carry uvswap's log lines (logger dev.uvswap); never a failure or a stack trace.
            assertFalse(demo.err().contains("FAILED") || demo.err().contains("Exception") || demo.err().contains("\tat "), demo.err());
        }
    }

    /** {@code --cgroup=N}: the demo makes its own cgroup, runs itself in it, and removes it. */
    @Test
    void theDemoRunsItselfInACgroupItMakesAndRemoves() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "--cgroup needs root");
        boolean v2 = java.nio.file.Files.exists(java.nio.file.Path.of("/sys/fs/cgroup/cgroup.controllers"));
        org.junit.jupiter.api.Assumptions.assumeTrue(v2 || java.nio.file.Files.exists(java.nio.file.Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")),
                "no memory cgroup hierarchy here");
        DemoProcess demo = DemoProcess.run("--cgroup=384m", "--size=512m");
        System.out.println(demo.out());
        System.err.println(demo.err());
        assertEquals(0, demo.exit(), demo.err());
        Matcher made = Pattern.compile("demo: running in memory cgroup (\\S+), limit 384.0 MiB, made for this run").matcher(demo.out());
        assertTrue(made.find(), demo.out());
        assertTrue(demo.out().contains("this process may use 384.0 MiB (the limit of memory cgroup " + made.group(1) + ")"), demo.out());
        assertTrue(demo.out().contains("OK: every one of 131,072 pages came back byte for byte"), demo.out());
        assertTrue(demo.out().contains("larger than RAM: 512.0 MiB of data went through a process allowed 384.0 MiB"), demo.out());
        assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of(made.group(1))), "the cgroup was removed");
    }
}
