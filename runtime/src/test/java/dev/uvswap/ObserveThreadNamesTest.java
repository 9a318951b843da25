package dev.uvswap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The native threads carry names the kernel shows (/proc/self/task/TID/comm), as top -H and jstack do. */
class ObserveThreadNamesTest {

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void faultServersAndTheSigbusWatchdogAreNamed() throws Exception {
        long before = count("uvswap-fault-2");
        try (VSwap v = VSwap.builder().faultThreads(3).build();
             Region r = v.allocate(2 << 20, RegionOption.FAULTS_IN_THREAD)) {
            List<String> names = names();
            for (int i = 0; i < 3; i++) {
                assertTrue(names.contains("uvswap-fault-" + i), "uvswap-fault-" + i + " among " + names);
            }
            assertEquals(before + 1, count("uvswap-fault-2"), "one more third server: this VSwap's");
            assertTrue(names.contains("uvswap-sigbus"), "the SIGBUS watchdog: " + names);
            r.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 42);
            assertEquals(42, r.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
        }
    }

    private static long count(String name) {
        return names().stream().filter(name::equals).count();
    }

    private static List<String> names() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip();
                } catch (IOException e) {
                    return "";   // the thread ended meanwhile
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
