package dev.uvswap;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A JVM that denies native access to class-path code gets one uvswap error naming the flag, not an
 * ExceptionInInitializerError from the bindings; the same JVM with the flag README gives builds a VSwap
 * (the control), and one with neither flag builds it too, with the JDK's warning.
 */
class NativeAccessTest {
    @Test
    void deniedNativeAccessNamesTheFlag() throws Exception {
        Platform.assumeSupported();
        String denied = run("--illegal-native-access=deny");
        assertTrue(denied.contains("refused: uvswap needs native access"), denied);
        assertTrue(denied.contains("start java with --enable-native-access=ALL-UNNAMED"), denied);
        assertFalse(denied.contains("ExceptionInInitializerError"), denied);
        assertTrue(denied.contains("exit 3"), denied);

        String granted = run("--illegal-native-access=deny", "--enable-native-access=ALL-UNNAMED");
        assertTrue(granted.contains("built: 1 fault thread") && granted.contains("exit 0"), granted);
        assertFalse(granted.contains("WARNING"), granted);

        String warned = run();
        assertTrue(warned.contains("built: 1 fault thread") && warned.contains("exit 0"), warned);
        assertTrue(warned.contains("--enable-native-access=ALL-UNNAMED"), "the JDK's warning: " + warned);
    }

    private static String run(String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NativeAccessMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        String out = new String(p.getInputStream().readAllBytes()).strip() + "\nexit " + p.exitValue();
        System.out.println("java " + String.join(" ", flags) + ": " + out.replace("\n", " | "));
        return out;
    }
}
