package dev.uvswap.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The demo's process as a user meets it: --help at once, every bad value one line on stderr and exit 2. */
class DemoCommandLineTest {

    @Test
    void helpPrintsTheUsageAndExitsZero() throws Exception {
        DemoProcess p = DemoProcess.run("--help");
        assertEquals(0, p.exit(), p.err());
        assertEquals(DemoArgs.USAGE, p.out());
        assertEquals("", p.err());
    }

    @Test
    void badValuesAreOneLineAndExitTwo() throws Exception {
        for (String bad : new String[] {"--out=150", "--out=-5", "--out=ten", "--size=lots", "--max=0", "--bogus"}) {
            DemoProcess p = DemoProcess.run(bad);
            assertEquals(2, p.exit(), bad + ": " + p.err());
            assertEquals("", p.out(), bad + " printed on stdout");
            assertEquals(1, p.err().strip().lines().count(), bad + " gave more than one line: " + p.err());
            assertTrue(p.err().startsWith("demo: ") && p.err().contains(bad), p.err());
            assertFalse(p.err().contains("Exception") || p.err().contains("\tat "), "a stack trace: " + p.err());
        }
    }
}
